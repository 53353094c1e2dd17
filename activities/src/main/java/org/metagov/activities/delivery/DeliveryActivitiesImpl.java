package org.metagov.activities.delivery;

import io.temporal.failure.ApplicationFailure;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.json.Json;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryActivities;
import org.springframework.stereotype.Component;

/**
 * Sends callbacks (and redelivered events) through the {@link DriverSender} and records their fate.
 */
@Component("deliveryActivities")
public class DeliveryActivitiesImpl implements DeliveryActivities {

  private final DeliveryStore store;
  private final DriverSender sender;

  public DeliveryActivitiesImpl(DeliveryStore store, DriverSender sender) {
    this.store = store;
    this.sender = sender;
  }

  @Override
  public void register(Delivery delivery) {
    store.register(delivery);
  }

  @Override
  public void send(Delivery delivery) {
    DriverSender.Outcome outcome =
        sender.send(delivery.id(), delivery.url(), Json.write(delivery.body()));
    if (outcome.verdict() == DriverSender.Verdict.DELIVERED) {
      return;
    }
    store.recordAttempt(delivery.id(), outcome.error());
    String message =
        "Delivery "
            + delivery.id()
            + " to "
            + OutboundHttp.describe(delivery.url())
            + " failed: "
            + outcome.error();
    if (outcome.verdict() == DriverSender.Verdict.REFUSED) {
      throw ApplicationFailure.newNonRetryableFailure(message, "DeliveryRefused");
    }
    throw ApplicationFailure.newFailure(message, "DeliveryFailed");
  }

  @Override
  public void finish(String deliveryId, boolean delivered, String lastError) {
    store.finish(deliveryId, delivered, lastError);
  }
}

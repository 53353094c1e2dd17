package org.metagov.workflows.delivery;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Sending a delivery and keeping its record in PostgreSQL, where operators and Drivers can see it.
 */
@ActivityInterface
public interface DeliveryActivities {

  /**
   * Records the delivery as pending (idempotent: a delivery that exists keeps its attempt count).
   */
  @ActivityMethod
  void register(Delivery delivery);

  /**
   * POSTs the body to the URL with Standard Webhooks headers. Any answer other than 2xx, or no
   * answer, fails the attempt (retryable) after recording it.
   */
  @ActivityMethod
  void send(Delivery delivery);

  /** Marks the delivery delivered or dead-lettered. */
  @ActivityMethod
  void finish(String deliveryId, boolean delivered, String lastError);
}

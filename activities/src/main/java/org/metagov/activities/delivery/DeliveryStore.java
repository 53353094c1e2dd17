package org.metagov.activities.delivery;

import org.metagov.workflows.delivery.Delivery;

/** The record of outbound deliveries in PostgreSQL; implemented by the api module. */
public interface DeliveryStore {

  /** Inserts the delivery as pending if it is new; an existing one becomes pending again. */
  void register(Delivery delivery);

  void recordAttempt(String deliveryId, String error);

  void finish(String deliveryId, boolean delivered, String lastError);
}

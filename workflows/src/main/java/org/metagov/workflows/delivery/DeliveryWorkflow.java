package org.metagov.workflows.delivery;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Delivers one message at least once, retrying with exponential backoff up to the configured limit,
 * then dead-letters it. Workflow id: {@code delivery/{deliveryId}}; a redelivery starts a new run
 * with the same id.
 */
@WorkflowInterface
public interface DeliveryWorkflow {

  static String workflowId(String deliveryId) {
    return "delivery/" + deliveryId;
  }

  /** Returns true when the Driver accepted the delivery, false when it was dead-lettered. */
  @WorkflowMethod
  boolean deliver(Delivery delivery, DeliveryPolicy policy);
}

package org.metagov.workflows.delivery;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * Superseded by {@link EventOutboxWorkflow}, which keeps queued events in PostgreSQL instead of in
 * its history. Still registered so that runs started before the outbox drain their queues and end
 * (after an idle hour), and so that their recorded histories replay; nothing starts it any more.
 *
 * <p>The ordered stream of platform events of one community to the Driver's event receiver. Events
 * are delivered one at a time, in the order they were enqueued, each by a {@link DeliveryWorkflow}
 * child (the same engine, retry policy and dead-lettering as process callbacks). Workflow id:
 * {@code events/{community}}; it is started by signal-with-start and ends when it has been idle a
 * while.
 */
@Deprecated
@WorkflowInterface
public interface EventStreamWorkflow {

  static String workflowId(String community) {
    return "events/" + community;
  }

  /**
   * @param carried events still queued when the previous run continued as new (empty on first
   *     start)
   */
  @WorkflowMethod
  void run(List<QueuedEvent> carried);

  /** Queues one event; duplicates (same delivery id) are delivered once. */
  @SignalMethod
  void enqueue(QueuedEvent event);

  /** An event waiting for delivery, with the delivery policy in force when it was received. */
  record QueuedEvent(Delivery delivery, DeliveryPolicy policy) {}
}

package org.metagov.workflows.delivery;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Drains one community's event outbox: the platform events queued in PostgreSQL, delivered to the
 * Driver's event receiver in the order they were queued. The workflow holds no event bodies (they
 * stay in PostgreSQL) and no queue, so its history stays small however many events wait: it
 * repeatedly asks an activity to deliver what is queued, waits out the backoff when the Driver is
 * failing, and sleeps until it is woken. An event the Driver refuses permanently is dead-lettered
 * by the activity and the stream moves on.
 *
 * <p>Workflow id {@code event-outbox/{community}}; started (or woken) by signal-with-start after
 * events are committed, and by a sweeper for outboxes whose wake-up was lost. It ends after an idle
 * hour.
 */
@WorkflowInterface
public interface EventOutboxWorkflow {

  static String workflowId(String community) {
    return "event-outbox/" + community;
  }

  /**
   * @param state where a previous run left off (a fresh state on the first start)
   */
  @WorkflowMethod
  void drain(OutboxState state);

  /** New events were queued. Wake-ups during a backoff do not cut it short. */
  @SignalMethod
  void wake();

  /**
   * What a run hands to the next when it continues as new: the community and, while the Driver is
   * failing, when the next attempt is due (epoch millis, 0 for now).
   */
  record OutboxState(String community, long retryAtMillis) {}
}

package org.metagov.workflows.process;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.metagov.workflows.delivery.Delivery;

/**
 * The callbacks of one process whose Driver asked for every change ({@code callback_on_update}), in
 * version order.
 *
 * <p>Each change the process announces is POSTed to the callback URL with its {@code version}, one
 * attempt at a time: an attempt always sends the process's newest record, so changes that pile up
 * while the Driver fails are coalesced into the newest, and a version is never sent after a newer
 * one was accepted. Failed attempts are retried with exponential backoff (up to the delivery
 * policy's longest pause) for as long as the process is open. When the process ends, pending
 * changes are dropped (the final record supersedes them) and, once no attempt is in flight, the
 * final callback is handed to a {@link org.metagov.workflows.delivery.DeliveryWorkflow} like every
 * result: retried for days, dead-lettered, redeliverable. The workflow holds no bodies: updates are
 * read from the process's projection.
 *
 * <p>Workflow id {@code live-callbacks/process-{id}}; started by signal-with-start from the process
 * workflow.
 */
@WorkflowInterface
public interface LiveCallbackWorkflow {

  static String workflowId(long processId) {
    return "live-callbacks/process-" + processId;
  }

  @WorkflowMethod
  void run(LiveCallbacks callbacks);

  /** The process projected this version of an open state. */
  @SignalMethod
  void changed(long version);

  /** The process ended; this is its final callback. */
  @SignalMethod
  void ended(Delivery result);
}

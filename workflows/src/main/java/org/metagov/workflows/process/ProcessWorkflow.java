package org.metagov.workflows.process;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One governance process, from its creation on the platform to the delivery of its result. Workflow
 * id: {@code process/{community}/{plugin}.{process}/{id}}.
 *
 * <p>The process always ends: at {@code closingAt} it is closed on the platform and its final
 * outcome read. Between start and end, webhooks arrive as {@link #platformUpdate} signals and a
 * periodic reconciliation read catches anything a lost webhook would have said. When it ends, its
 * record is delivered to the callback URL by a {@code DeliveryWorkflow} that outlives this one.
 */
@WorkflowInterface
public interface ProcessWorkflow {

  String TASK_QUEUE_DEFAULT = "metagov-processes";

  /**
   * The workflow type, by which the API starts a process without building a typed stub for each
   * start.
   */
  String WORKFLOW_TYPE = "ProcessWorkflow";

  static String workflowId(String community, String name, long id) {
    return "process/" + community + "/" + name + "/" + id;
  }

  @WorkflowMethod(name = WORKFLOW_TYPE)
  ProcessRecord run(ProcessStart start);

  /** A webhook concerning this process arrived; the workflow re-reads the platform. */
  @SignalMethod
  void platformUpdate(PlatformHint hint);

  /**
   * Closes the process early on the platform and returns the completed record. Rejected when the
   * process has already ended; fails (leaving the process pending) when the platform cannot be
   * reached.
   */
  @UpdateMethod
  ProcessRecord close();

  @UpdateValidatorMethod(updateName = "close")
  void validateClose();

  /** The current record, as the workflow knows it. */
  @QueryMethod
  ProcessRecord record();
}

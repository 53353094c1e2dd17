package org.metagov.workflows;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;

/** Replaying recorded histories in tests: the one way every replay test does it. */
public final class Replays {

  private Replays() {}

  /**
   * Replays a history against the current workflow code, on a worker of its own whose deadlock
   * detector allows a minute: a cold first replay on a loaded machine is slow (class loading), not
   * stuck, and the default second would call it a deadlock.
   */
  public static void replay(WorkflowExecutionHistory history, Class<?>... workflowTypes)
      throws Exception {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker =
          env.newWorker(
              "replay",
              WorkerOptions.newBuilder()
                  .setDefaultDeadlockDetectionTimeout(Duration.ofMinutes(1).toMillis())
                  .build());
      worker.registerWorkflowImplementationTypes(workflowTypes);
      WorkflowReplayer.replayWorkflowExecution(history, worker);
    }
  }

  public static void replay(String historyJson, Class<?>... workflowTypes) throws Exception {
    replay(WorkflowExecutionHistory.fromJson(historyJson), workflowTypes);
  }
}

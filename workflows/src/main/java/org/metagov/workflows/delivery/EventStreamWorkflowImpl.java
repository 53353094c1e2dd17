package org.metagov.workflows.delivery;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.ChildWorkflowFailure;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;

public class EventStreamWorkflowImpl implements EventStreamWorkflow {

  /** An idle stream ends; the next event starts a new run. */
  static final Duration IDLE_BEFORE_END = Duration.ofHours(1);

  static final int HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

  private static final Logger log = Workflow.getLogger(EventStreamWorkflowImpl.class);

  private final Deque<QueuedEvent> queue = new ArrayDeque<>();
  private final Set<String> seen = new HashSet<>();

  @Override
  public void run(List<QueuedEvent> carried) {
    if (carried != null) {
      carried.forEach(this::enqueue);
    }
    while (true) {
      boolean woke = Workflow.await(IDLE_BEFORE_END, () -> !queue.isEmpty());
      if (!woke && queue.isEmpty()) {
        return;
      }
      QueuedEvent next = queue.peekFirst();
      deliver(next);
      queue.removeFirst();
      if (Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_BEFORE_CONTINUE
          || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.await(() -> Workflow.isEveryHandlerFinished());
        Workflow.continueAsNew(new ArrayList<>(queue));
      }
    }
  }

  @Override
  public void enqueue(QueuedEvent event) {
    if (seen.add(event.delivery().id())) {
      queue.addLast(event);
    }
  }

  private void deliver(QueuedEvent event) {
    DeliveryWorkflow child =
        Workflow.newChildWorkflowStub(
            DeliveryWorkflow.class,
            ChildWorkflowOptions.newBuilder()
                .setWorkflowId(DeliveryWorkflow.workflowId(event.delivery().id()))
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    try {
      child.deliver(event.delivery(), event.policy());
    } catch (ChildWorkflowFailure failure) {
      log.warn(
          "Event {} was not delivered by this stream: {}",
          event.delivery().id(),
          failure.getMessage());
    }
  }
}

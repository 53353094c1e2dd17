package org.metagov.workflows.delivery;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.metagov.workflows.Failures;
import org.metagov.workflows.RetryBudget;
import org.metagov.workflows.delivery.EventOutboxActivities.OutboxDrain;
import org.slf4j.Logger;

public class EventOutboxWorkflowImpl implements EventOutboxWorkflow {

  /** An idle outbox ends; the next event starts a new run. */
  static final Duration IDLE_BEFORE_END = Duration.ofHours(1);

  /**
   * Each drain adds about ten events and each wake-up one; a run continues as new past this many,
   * so no run's history grows beyond it by more than the wake-ups of one drain (the wake-up flag
   * allows one).
   */
  static final int HISTORY_EVENTS_BEFORE_CONTINUE = 1_000;

  /**
   * When the activity itself cannot run (PostgreSQL down), how long to wait before the next drain.
   */
  static final Duration DRAIN_FAILURE_PAUSE = Duration.ofSeconds(30);

  private static final Logger log = Workflow.getLogger(EventOutboxWorkflowImpl.class);

  private static final Duration DRAIN_GIVE_UP = Duration.ofMinutes(10);

  private final EventOutboxActivities outbox =
      Workflow.newActivityStub(
          EventOutboxActivities.class,
          ActivityOptions.newBuilder()
              // The activity stops sending after its time budget (20 s) plus at most one request
              // timeout.
              .setStartToCloseTimeout(Duration.ofMinutes(2))
              .setScheduleToCloseTimeout(DRAIN_GIVE_UP)
              .setRetryOptions(
                  RetryBudget.within(
                      RetryOptions.newBuilder()
                          .setInitialInterval(Duration.ofSeconds(1))
                          .setMaximumInterval(Duration.ofSeconds(30))
                          .build(),
                      DRAIN_GIVE_UP))
              .build());

  private int wakes;

  @Override
  public void drain(OutboxState state) {
    String community = state.community();
    if (state.retryAtMillis() > Workflow.currentTimeMillis()) {
      pauseUntil(community, state.retryAtMillis());
    }
    while (true) {
      wakes = 0;
      OutboxDrain drained;
      try {
        drained = outbox.deliverQueued(community);
      } catch (ActivityFailure failure) {
        log.warn(
            "The event outbox of {} could not be drained; trying again in {}: {}",
            community,
            DRAIN_FAILURE_PAUSE,
            Failures.message(failure));
        pauseUntil(community, Workflow.currentTimeMillis() + DRAIN_FAILURE_PAUSE.toMillis());
        continue;
      }
      if (drained.retryAfterSeconds() > 0) {
        pauseUntil(community, Workflow.currentTimeMillis() + drained.retryAfterSeconds() * 1000);
        continue;
      }
      continueAsNewIfLong(community, 0);
      if (drained.more()) {
        continue;
      }
      boolean woken = Workflow.await(IDLE_BEFORE_END, () -> wakes > 0 || historyIsLong());
      continueAsNewIfLong(community, 0);
      if (!woken) {
        return;
      }
    }
  }

  @Override
  public void wake() {
    wakes++;
  }

  /**
   * Waits out a backoff; wake-ups do not end it early, but a history grown long hands it to a new
   * run.
   */
  private void pauseUntil(String community, long retryAtMillis) {
    Duration pause = Duration.ofMillis(Math.max(0, retryAtMillis - Workflow.currentTimeMillis()));
    Workflow.await(pause, EventOutboxWorkflowImpl::historyIsLong);
    if (Workflow.currentTimeMillis() < retryAtMillis) {
      continueAsNewIfLong(community, retryAtMillis);
    }
  }

  private void continueAsNewIfLong(String community, long retryAtMillis) {
    if (historyIsLong()) {
      Workflow.continueAsNew(new OutboxState(community, retryAtMillis));
    }
  }

  private static boolean historyIsLong() {
    return Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_BEFORE_CONTINUE
        || Workflow.getInfo().isContinueAsNewSuggested();
  }
}

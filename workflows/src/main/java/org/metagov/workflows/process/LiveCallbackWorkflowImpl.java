package org.metagov.workflows.process;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.metagov.workflows.Failures;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.process.LiveCallbackActivities.UpdateAttempt;
import org.metagov.workflows.process.LiveCallbackActivities.UpdateResult;
import org.slf4j.Logger;

public class LiveCallbackWorkflowImpl implements LiveCallbackWorkflow {

  /** Each attempt adds about half a dozen events; a run continues as new past this many. */
  static final int HISTORY_EVENTS_BEFORE_CONTINUE = 1_000;

  private static final Logger log = Workflow.getLogger(LiveCallbackWorkflowImpl.class);

  /**
   * One attempt per activity: the workflow waits out the backoff itself, so that an ending process
   * is never held up behind a retry, and the final callback starts only after the last update
   * attempt has finished. The attempt's own deadline (the delivery request timeout) is shorter than
   * this timeout.
   */
  private final LiveCallbackActivities sender =
      Workflow.newActivityStub(
          LiveCallbackActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofMinutes(1))
              .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
              .build());

  private final ProcessActivities results =
      Workflow.newActivityStub(
          ProcessActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofMinutes(1))
                      .build())
              .build());

  private long announced;
  private Delivery result;

  @Override
  public void run(LiveCallbacks callbacks) {
    announced = Math.max(announced, callbacks.announcedVersion());
    long acknowledged = callbacks.acknowledgedVersion();
    int failures = callbacks.failures();
    while (true) {
      long settled = acknowledged;
      Workflow.await(() -> result != null || announced > settled);
      if (result != null) {
        break;
      }
      UpdateAttempt attempt;
      try {
        attempt = sender.sendLatestUpdate(callbacks, acknowledged);
      } catch (ActivityFailure failure) {
        attempt = new UpdateAttempt(UpdateResult.FAILED, acknowledged, Failures.message(failure));
      }
      switch (attempt.result()) {
        case DELIVERED -> {
          acknowledged = Math.max(acknowledged, attempt.version());
          failures = 0;
        }
        case REFUSED -> {
          log.warn(
              "The Driver refused version {} of process {} for good; the next change is sent anyway: {}",
              attempt.version(),
              callbacks.processId(),
              attempt.error());
          acknowledged = Math.max(acknowledged, attempt.version());
          failures = 0;
        }
        case NOTHING_NEWER, ENDED -> {
          // Nothing open is left to send; an ended process's final callback comes by the ended
          // signal.
          acknowledged = Math.max(acknowledged, Math.max(attempt.version(), announced));
          failures = 0;
        }
        case FAILED -> {
          failures++;
          Workflow.await(backoff(failures, callbacks), () -> result != null);
        }
      }
      if (result == null && historyIsLong()) {
        Workflow.await(Workflow::isEveryHandlerFinished);
        Workflow.continueAsNew(callbacks.continuedWith(announced, acknowledged, failures));
      }
    }
    results.startResultDelivery(result, callbacks.policy());
  }

  @Override
  public void changed(long version) {
    announced = Math.max(announced, version);
  }

  @Override
  public void ended(Delivery finalCallback) {
    result = finalCallback;
  }

  /** 1 s, 2 s, 4 s, ... up to the delivery policy's longest pause. */
  private static Duration backoff(int failures, LiveCallbacks callbacks) {
    long longest = Math.max(1, callbacks.policy().maxBackoffSeconds());
    long seconds = failures > 30 ? longest : Math.min(longest, 1L << (failures - 1));
    return Duration.ofSeconds(seconds);
  }

  private static boolean historyIsLong() {
    return Workflow.getInfo().getHistoryLength() > HISTORY_EVENTS_BEFORE_CONTINUE
        || Workflow.getInfo().isContinueAsNewSuggested();
  }
}

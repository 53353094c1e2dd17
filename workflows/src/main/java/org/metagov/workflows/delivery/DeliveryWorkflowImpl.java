package org.metagov.workflows.delivery;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.metagov.workflows.Failures;
import org.metagov.workflows.RetryBudget;

public class DeliveryWorkflowImpl implements DeliveryWorkflow {

  /**
   * Version 1 also bounds the attempts to those that fit in the give-up time ({@link
   * #attemptsWithin}), so the give-up no longer rests on the server's schedule-to-close check
   * alone. The Java test server, which serves the tests and the embedded deployment, arms its
   * schedule-to-close timer for the first attempt only and afterwards skips its deadline check
   * whenever that deadline falls on a whole second; such a delivery was retried without end.
   * Histories recorded before carry no marker and replay the unbounded retry policy.
   */
  static final String ATTEMPTS_BOUNDED_CHANGE = "delivery-attempts-bounded-by-give-up";

  /** The pause after the first failed attempt; each later pause doubles, up to the policy's. */
  private static final long FIRST_PAUSE_SECONDS = 1;

  private static final int BACKOFF_COEFFICIENT = 2;

  private final DeliveryActivities store =
      Workflow.newActivityStub(
          DeliveryActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofMinutes(1))
                      .build())
              .build());

  @Override
  public boolean deliver(Delivery delivery, DeliveryPolicy policy) {
    store.register(delivery);
    RetryOptions.Builder retry =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(FIRST_PAUSE_SECONDS))
            .setBackoffCoefficient(BACKOFF_COEFFICIENT)
            .setMaximumInterval(Duration.ofSeconds(longestPauseSeconds(policy)));
    if (Workflow.getVersion(ATTEMPTS_BOUNDED_CHANGE, Workflow.DEFAULT_VERSION, 1) >= 1) {
      retry.setMaximumAttempts(attemptsWithin(policy));
    }
    DeliveryActivities sender =
        Workflow.newActivityStub(
            DeliveryActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(Duration.ofSeconds(giveUpSeconds(policy)))
                .setRetryOptions(retry.build())
                .build());
    try {
      sender.send(delivery);
      store.finish(delivery.id(), true, null);
      return true;
    } catch (ActivityFailure failure) {
      store.finish(delivery.id(), false, Failures.message(failure));
      return false;
    }
  }

  /**
   * How many attempts a receiver that fails at once gets before the give-up: the first, then one
   * after each pause (1 s, 2 s, 4 s, ... up to the policy's longest) that ends within the give-up
   * time. This is where Temporal's own deadline check stops retrying when attempts take no time;
   * when they take longer, the schedule-to-close deadline still comes first.
   */
  static int attemptsWithin(DeliveryPolicy policy) {
    return RetryBudget.attemptsWithin(
        Duration.ofSeconds(FIRST_PAUSE_SECONDS),
        BACKOFF_COEFFICIENT,
        Duration.ofSeconds(longestPauseSeconds(policy)),
        Duration.ofSeconds(giveUpSeconds(policy)));
  }

  private static long giveUpSeconds(DeliveryPolicy policy) {
    return Math.max(1, policy.giveUpAfterSeconds());
  }

  private static long longestPauseSeconds(DeliveryPolicy policy) {
    return Math.max(FIRST_PAUSE_SECONDS, policy.maxBackoffSeconds());
  }
}

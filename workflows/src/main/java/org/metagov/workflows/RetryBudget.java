package org.metagov.workflows;

import io.temporal.common.RetryOptions;
import java.time.Duration;

/**
 * Bounds an activity's retries by a number of attempts as well as by its schedule-to-close timeout.
 * The Java test server, which serves the tests and the embedded deployment, arms its
 * schedule-to-close timer for the first attempt only and afterwards skips its deadline check
 * whenever that deadline falls on a whole second; an activity whose retries rest on that check
 * alone was then retried without end. A Temporal cluster does not have the bug, and with the bound
 * it gives up where it did before.
 */
public final class RetryBudget {

  private RetryBudget() {}

  /**
   * How many attempts of an activity that fails at once fit in {@code giveUp}: the first, then one
   * after each pause ({@code firstPause}, growing by {@code coefficient} up to {@code
   * longestPause}) that ends within it. This is where Temporal's own deadline check stops retrying
   * when attempts take no time; when they take longer, the schedule-to-close deadline still comes
   * first.
   */
  public static int attemptsWithin(
      Duration firstPause, double coefficient, Duration longestPause, Duration giveUp) {
    long budget = Math.max(1, millis(giveUp));
    long first = Math.max(1, millis(firstPause));
    long longest = Math.max(first, millis(longestPause));
    long attempts = 1;
    long elapsed = 0;
    long pause = first;
    while (pause < longest && elapsed + pause <= budget) {
      elapsed += pause;
      attempts++;
      pause = pause > longest / coefficient ? longest : (long) (pause * coefficient);
    }
    // Either the pauses have reached the longest, or the next one no longer fits (and neither
    // does a longest one).
    long more = (budget - elapsed) / longest;
    return (int) Math.min(Integer.MAX_VALUE, attempts + more);
  }

  private static long millis(Duration duration) {
    return duration.getSeconds() >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : duration.toMillis();
  }

  /**
   * {@code retry} with its attempts bounded by what fits in {@code scheduleToClose}, unless it
   * already has a bound.
   */
  public static RetryOptions within(RetryOptions retry, Duration scheduleToClose) {
    if (retry.getMaximumAttempts() > 0) {
      return retry;
    }
    RetryOptions filled = RetryOptions.newBuilder(retry).validateBuildWithDefaults();
    return RetryOptions.newBuilder(retry)
        .setMaximumAttempts(
            attemptsWithin(
                filled.getInitialInterval(),
                filled.getBackoffCoefficient(),
                filled.getMaximumInterval(),
                scheduleToClose))
        .build();
  }
}

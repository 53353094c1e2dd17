package org.metagov.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.common.RetryOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {

  @Test
  void attemptsAreThoseWhosePausesEndWithinTheGiveUp() {
    // 2 + 4 + ... + 256 s = 510 s in 8 pauses, then ten of 5 minutes fit in the hour.
    assertThat(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(2), 2.0, Duration.ofMinutes(5), Duration.ofHours(1)))
        .isEqualTo(19);
    // 1 + 2 + ... + 16 s = 31 s in 5 pauses, then 18 of 30 s in the remaining 569 s.
    assertThat(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), Duration.ofMinutes(10)))
        .isEqualTo(24);
    assertThat(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(2), 2.0, Duration.ofMinutes(10), Duration.ofDays(7)))
        .isEqualTo(1016);
    assertThat(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(5), 2.0, Duration.ofMinutes(1), Duration.ofSeconds(3)))
        .as("no pause fits: the first attempt only")
        .isEqualTo(1);
  }

  @Test
  void withinKeepsEverythingElseAndAnExplicitBound() {
    RetryOptions unbounded =
        RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(1))
            .setMaximumInterval(Duration.ofSeconds(30))
            .setDoNotRetry("Rejected")
            .build();
    RetryOptions bounded = RetryBudget.within(unbounded, Duration.ofMinutes(10));
    assertThat(bounded.getMaximumAttempts()).isEqualTo(24);
    assertThat(bounded.getInitialInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(bounded.getMaximumInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(bounded.getDoNotRetry()).containsExactly("Rejected");

    RetryOptions explicit = unbounded.toBuilder().setMaximumAttempts(3).build();
    assertThat(RetryBudget.within(explicit, Duration.ofMinutes(10))).isSameAs(explicit);
  }
}

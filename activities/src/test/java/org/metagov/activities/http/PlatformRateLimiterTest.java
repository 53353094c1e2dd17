package org.metagov.activities.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The token buckets on a clock the test moves: bursts, the sustained rate, bounded waits, pauses
 * and keys.
 */
class PlatformRateLimiterTest {

  private final FakeClock clock = new FakeClock();

  private PlatformRateLimiter limiter(double perSecond, int burst, Duration maxWait) {
    return limiter(perSecond, burst, maxWait, clock);
  }

  private static PlatformRateLimiter limiter(
      double perSecond, int burst, Duration maxWait, PlatformRateLimiter.Clock clock) {
    return new PlatformRateLimiter(
        Map.of("discourse", new PlatformRateLimiter.Rate(perSecond, burst)),
        new PlatformRateLimiter.Rate(100, 100),
        maxWait,
        clock);
  }

  @Test
  void aBurstGoesAtOnceThenCallsAreSpacedAtTheRate() throws Exception {
    PlatformRateLimiter limiter = limiter(2, 3, Duration.ofSeconds(1));
    for (int i = 0; i < 3; i++) {
      limiter.acquire("Discourse", "https://forum.example");
    }
    assertThat(clock.sleptMillis()).as("the burst waits for nothing").isZero();
    for (int i = 0; i < 4; i++) {
      limiter.acquire("Discourse", "https://forum.example");
    }
    assertThat(clock.sleptMillis()).as("four more calls at 2 a second").isEqualTo(2_000);
  }

  @Test
  void aWaitLongerThanTheBoundIsRefusedWithTheTimeUntilATokenAndTakesNothing() throws Exception {
    PlatformRateLimiter limiter = limiter(0.1, 1, Duration.ofSeconds(2));
    limiter.acquire("Discourse", "https://forum.example");
    assertThatThrownBy(() -> limiter.acquire("Discourse", "https://forum.example"))
        .isInstanceOfSatisfying(
            PlatformRateLimiter.Refused.class,
            refused -> assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(10)));
    assertThat(clock.sleptMillis()).as("a refused caller does not sleep first").isZero();
    clock.advanceMillis(10_000);
    limiter.acquire("Discourse", "https://forum.example");
    assertThat(clock.sleptMillis())
        .as("the refusal took no token: the call at the named time goes at once")
        .isZero();
  }

  @Test
  void callersRefusedTogetherAreToldToComeBackOneIntervalApartInTheirOrder() throws Exception {
    PlatformRateLimiter limiter = limiter(0.1, 1, Duration.ofSeconds(2));
    limiter.acquire("Discourse", "https://forum.example");
    for (int i = 1; i <= 3; i++) {
      int nth = i;
      assertThatThrownBy(() -> limiter.acquire("Discourse", "https://forum.example"))
          .isInstanceOfSatisfying(
              PlatformRateLimiter.Refused.class,
              refused -> assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(10L * nth)));
    }
    for (int i = 1; i <= 3; i++) {
      clock.advanceMillis(10_000);
      limiter.acquire("Discourse", "https://forum.example");
    }
    assertThat(clock.sleptMillis()).as("each came back to a token of its own").isZero();
  }

  @Test
  void aPauseHoldsEveryCallUntilItEndsThenLetsOneThrough() throws Exception {
    PlatformRateLimiter limiter = limiter(1, 5, Duration.ofSeconds(2));
    limiter.pause("Discourse", "https://forum.example", Duration.ofSeconds(30));
    assertThatThrownBy(() -> limiter.acquire("Discourse", "https://forum.example"))
        .isInstanceOfSatisfying(
            PlatformRateLimiter.Refused.class,
            refused -> assertThat(refused.retryAfter()).isEqualTo(Duration.ofSeconds(30)));
    clock.advanceMillis(29_000);
    limiter.acquire("Discourse", "https://forum.example");
    assertThat(clock.sleptMillis())
        .as("within the longest wait of the pause's end, the call waits for it")
        .isEqualTo(1_000);
    limiter.acquire("Discourse", "https://forum.example");
    assertThat(clock.sleptMillis())
        .as("after a pause the bucket starts empty, not with a burst")
        .isEqualTo(2_000);
  }

  @Test
  void aReReadWaitingForATokenLeavesItToACreationThatComesInMeanwhile() throws Exception {
    ManualClock manual = new ManualClock();
    PlatformRateLimiter limiter = limiter(1, 1, Duration.ofSeconds(5), manual);
    limiter.acquire("Discourse", FORUM, PlatformRateLimiter.Priority.REREAD);
    Map<String, Long> servedAt = new java.util.concurrent.ConcurrentHashMap<>();
    Thread reread = call(limiter, PlatformRateLimiter.Priority.REREAD, manual, "re-read", servedAt);
    manual.awaitSleepers(1);
    Thread creation =
        call(limiter, PlatformRateLimiter.Priority.FIRST, manual, "creation", servedAt);
    manual.awaitSleepers(2);

    manual.advanceMillis(1_000);
    creation.join(10_000);
    manual.awaitSleepers(1);
    assertThat(servedAt)
        .as("the creation took the token the re-read had waited for; the re-read waits on")
        .containsOnlyKeys("creation");
    manual.advanceMillis(1_000);
    reread.join(10_000);
    assertThat(servedAt)
        .containsEntry("creation", 1_000_000_000L + 1_000_000_000L)
        .containsEntry("re-read", 1_000_000_000L + 2_000_000_000L);
  }

  @Test
  void creationsReserveTheirTokensInTurnAndAPauseStillHoldsBackAReservedOne() throws Exception {
    ManualClock manual = new ManualClock();
    PlatformRateLimiter limiter = limiter(1, 1, Duration.ofSeconds(5), manual);
    limiter.acquire("Discourse", FORUM);
    Map<String, Long> servedAt = new java.util.concurrent.ConcurrentHashMap<>();
    Thread first = call(limiter, PlatformRateLimiter.Priority.FIRST, manual, "first", servedAt);
    manual.awaitSleepers(1);
    Thread second = call(limiter, PlatformRateLimiter.Priority.FIRST, manual, "second", servedAt);
    manual.awaitSleepers(2);
    manual.advanceMillis(500);
    limiter.pause("Discourse", FORUM, Duration.ofSeconds(2));

    manual.advanceMillis(500);
    manual.awaitSleepers(2);
    assertThat(servedAt).as("both hold their tokens but wait out the platform's pause").isEmpty();
    manual.advanceMillis(1_500);
    first.join(10_000);
    second.join(10_000);
    assertThat(servedAt)
        .as("each went at the end of the pause or its own turn, whichever came later")
        .containsEntry("first", 1_000_000_000L + 2_500_000_000L)
        .containsEntry("second", 1_000_000_000L + 2_500_000_000L);
  }

  private static final String FORUM = "https://forum.example";

  private static Thread call(
      PlatformRateLimiter limiter,
      PlatformRateLimiter.Priority priority,
      ManualClock manual,
      String name,
      Map<String, Long> servedAt) {
    Thread thread =
        new Thread(
            () -> {
              try {
                limiter.acquire("Discourse", FORUM, priority);
                servedAt.put(name, manual.nanoTime());
              } catch (Exception e) {
                servedAt.put(name + " refused", manual.nanoTime());
              }
            },
            name);
    thread.start();
    return thread;
  }

  @Test
  void instancesAndPlatformsHaveBucketsOfTheirOwn() throws Exception {
    PlatformRateLimiter limiter = limiter(0.01, 1, Duration.ZERO);
    limiter.acquire("Discourse", "https://one.example");
    assertThatThrownBy(() -> limiter.acquire("Discourse", "https://one.example"))
        .isInstanceOf(PlatformRateLimiter.Refused.class);
    limiter.acquire("Discourse", "https://two.example");
    limiter.acquire("Loomio", "https://one.example");
    limiter.pause("Discourse", "https://two.example", Duration.ofMinutes(5));
    limiter.acquire("Discourse", "https://three.example");
  }

  @Test
  void ratesAreLookedUpByPluginName() {
    PlatformRateLimiter limiter =
        new PlatformRateLimiter(
            Map.of("opencollective", new PlatformRateLimiter.Rate(0.5, 2)),
            new PlatformRateLimiter.Rate(1, 5),
            Duration.ofSeconds(2),
            clock);
    assertThat(limiter.rateOf("Open Collective")).isEqualTo(new PlatformRateLimiter.Rate(0.5, 2));
    assertThat(limiter.rateOf("Loomio")).isEqualTo(new PlatformRateLimiter.Rate(1, 5));
  }
}

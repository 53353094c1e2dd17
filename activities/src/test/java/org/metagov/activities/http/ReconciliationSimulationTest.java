package org.metagov.activities.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Open processes re-reading their platform on their reconciliation interval through one {@link
 * PlatformRateLimiter}, simulated on its clock: every process wakes on its interval (phases spread
 * at random, as starts are); a call the limiter refuses is retried after the wait it names, as
 * Temporal does with the failure's next retry delay (a wait within the limiter's bound is the same
 * wait spent in the activity slot). It reports the platform calls a second and the staleness a
 * process sees (the time between two of its successful reads), against the original gateway, which
 * re-read every open process every 180 s with no limit.
 */
class ReconciliationSimulationTest {

  private static final double GATEWAY_POLL_SECONDS = 180;

  /**
   * @param starved processes not read once after the warm-up
   */
  record Result(
      double callsPerSecond,
      int busiestInstanceSecond,
      double meanStaleness,
      double maxStaleness,
      int starved) {}

  /**
   * @param instances processes are spread evenly over this many platform instances
   */
  private static Result simulate(
      int processes,
      int instances,
      Duration interval,
      PlatformRateLimiter.Rate rate,
      Duration horizon,
      long seed)
      throws Exception {
    FakeClock clock = new FakeClock();
    long origin = clock.nanoTime();
    PlatformRateLimiter limiter =
        new PlatformRateLimiter(Map.of("discourse", rate), rate, Duration.ZERO, clock);
    long intervalNanos = interval.toNanos();
    long end = horizon.toNanos();
    long warmUp = 2 * intervalNanos;
    Random random = new Random(seed);
    // Events: {time, process}.
    PriorityQueue<long[]> events = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
    long[] lastRead = new long[processes];
    Arrays.fill(lastRead, -1);
    for (int p = 0; p < processes; p++) {
      events.add(new long[] {(long) (random.nextDouble() * intervalNanos), p});
    }
    long calls = 0;
    double stalenessSum = 0;
    long stalenessCount = 0;
    long maxStaleness = 0;
    int busiest = 0;
    List<ArrayDeque<Long>> recent = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      recent.add(new ArrayDeque<>());
    }
    while (!events.isEmpty()) {
      long[] event = events.poll();
      long now = event[0];
      if (now > end) {
        break;
      }
      int process = (int) event[1];
      int instance = process % instances;
      advanceTo(clock, origin + now);
      try {
        limiter.acquire(
            "Discourse",
            "https://forum-" + instance + ".example",
            PlatformRateLimiter.Priority.REREAD);
      } catch (PlatformRateLimiter.Refused refused) {
        events.add(new long[] {now + refused.retryAfter().toNanos(), process});
        continue;
      }
      if (now >= warmUp) {
        calls++;
        ArrayDeque<Long> window = recent.get(instance);
        window.addLast(now);
        while (now - window.peekFirst() >= 1_000_000_000L) {
          window.removeFirst();
        }
        busiest = Math.max(busiest, window.size());
        if (lastRead[process] >= 0) {
          long staleness = now - lastRead[process];
          stalenessSum += staleness;
          stalenessCount++;
          maxStaleness = Math.max(maxStaleness, staleness);
        }
      }
      lastRead[process] = now;
      events.add(new long[] {now + intervalNanos, process});
    }
    double seconds = (end - warmUp) / 1e9;
    int starved = (int) Arrays.stream(lastRead).filter(read -> read < warmUp).count();
    return new Result(
        calls / seconds, busiest, stalenessSum / stalenessCount / 1e9, maxStaleness / 1e9, starved);
  }

  private static void advanceTo(FakeClock clock, long nanos) {
    long behind = nanos - clock.nanoTime();
    if (behind > 0) {
      clock.advanceNanos(behind);
    }
  }

  @Test
  void tenThousandProcessesOverAHundredForumsAreReadOnTheirIntervalWithinEachForumsLimit()
      throws Exception {
    PlatformRateLimiter.Rate discourse = new PlatformRateLimiter.Rate(0.9, 6);
    Result result =
        simulate(10_000, 100, Duration.ofMinutes(5), discourse, Duration.ofMinutes(30), 1);
    System.out.printf(
        "FRESHNESS: 10,000 open processes on 100 Discourse forums, reconciled every 300 s, limiter 0.9/s"
            + " burst 6 per forum: %.1f platform calls/s in all, busiest forum-second %d calls, staleness mean %.0f s, max"
            + " %.0f s. The gateway: %.1f calls/s (%.2f per forum a second, every process every %.0f s, no limit)%n",
        result.callsPerSecond(),
        result.busiestInstanceSecond(),
        result.meanStaleness(),
        result.maxStaleness(),
        10_000 / GATEWAY_POLL_SECONDS,
        100 / GATEWAY_POLL_SECONDS,
        GATEWAY_POLL_SECONDS);
    assertThat(result.busiestInstanceSecond()).isLessThanOrEqualTo(6 + 1);
    assertThat(result.callsPerSecond()).isBetween(10_000 / 300.0 * 0.95, 10_000 / 300.0 * 1.05);
    assertThat(result.maxStaleness())
        .as("demand under the limit: every process is read on its interval, barely late")
        .isLessThan(300 + 15);
  }

  /**
   * Far beyond a forum's limit the rate still holds, but fairness does not: refused callers are
   * told to come back at most an hour later (a refresh gives up after an hour anyway), so with a
   * backlog of three hours the ones told the same latest time race, and some processes are read on
   * their interval while others are not read.
   */
  @Test
  void tenThousandProcessesOnOneForumAreHeldToItsLimit() throws Exception {
    PlatformRateLimiter.Rate discourse = new PlatformRateLimiter.Rate(0.9, 6);
    Result result = simulate(10_000, 1, Duration.ofMinutes(5), discourse, Duration.ofHours(12), 3);
    System.out.printf(
        "FRESHNESS (one forum): 10,000 open processes on one Discourse forum, reconciled every 300 s,"
            + " limiter 0.9/s burst 6: %.2f calls/s, busiest second %d calls; of the processes read, staleness mean %.0f s,"
            + " max %.0f s; %d processes not read in 11 h 50 min (a fair share would be processes / rate = %.0f s)."
            + " The gateway would send that forum %.1f calls/s, %.0f times the 60 a minute Discourse allows%n",
        result.callsPerSecond(),
        result.busiestInstanceSecond(),
        result.meanStaleness(),
        result.maxStaleness(),
        result.starved(),
        10_000 / 0.9,
        10_000 / GATEWAY_POLL_SECONDS,
        10_000 / GATEWAY_POLL_SECONDS);
    assertThat(result.busiestInstanceSecond()).isLessThanOrEqualTo(6 + 1);
    assertThat(result.callsPerSecond()).isBetween(0.85, 0.9 + 0.01);
  }

  @Test
  void processesBeyondAnInstancesLimitShareItAndGoStaleInProportion() throws Exception {
    PlatformRateLimiter.Rate discourse = new PlatformRateLimiter.Rate(0.9, 6);
    // 100 processes on one forum every 60 s want 1.7 calls a second; the forum allows 0.9.
    Result result = simulate(100, 1, Duration.ofSeconds(60), discourse, Duration.ofMinutes(30), 2);
    double expected = 100 / 0.9;
    System.out.printf(
        "FRESHNESS (overloaded forum): 100 processes, every 60 s, on one forum at 0.9/s: %.2f calls/s,"
            + " busiest second %d calls, staleness mean %.0f s, max %.0f s (processes / rate = %.0f s)%n",
        result.callsPerSecond(),
        result.busiestInstanceSecond(),
        result.meanStaleness(),
        result.maxStaleness(),
        expected);
    assertThat(result.callsPerSecond()).isBetween(0.85, 0.9 + 0.01);
    assertThat(result.meanStaleness()).isBetween(expected * 0.9, expected * 1.1);
    assertThat(result.maxStaleness()).as("no process starves").isLessThan(expected * 1.2);
    assertThat(result.starved()).isZero();
  }
}

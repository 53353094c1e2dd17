package org.metagov.activities.http;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets, one per platform instance, shared by every caller in this JVM (all activity slots
 * of a worker and the synchronous actions). A platform instance is a plugin's platform at one
 * server and with one credential: a Discourse forum, a Slack workspace's bot token, a GitHub
 * installation's token, a Discord bot. Each bucket refills at its platform's configured rate up to
 * its burst; a platform's {@code 429} (with its {@code Retry-After}) pauses the bucket until then.
 * A caller waits for a token only up to {@link #maxWait()}; a longer wait is refused with the time
 * until a token is free, so an activity fails fast and Temporal schedules its retry instead of a
 * sleeping slot.
 *
 * <p>Calls that make or end something (a poll's creation, its close, a Driver's action) go before
 * re-reads ({@link Priority}): under a steady demand of re-reads that alone would take every token,
 * a creation still gets the next one, where before it could be refused again and again.
 */
public final class PlatformRateLimiter {

  /** Which calls go first when both wait for a platform instance's tokens. */
  public enum Priority {
    /**
     * A call that makes, changes or ends something, or answers a caller who waits: it reserves the
     * next free token and sleeps until it is due.
     */
    FIRST,
    /**
     * A re-read of what may have changed (a process's reconciliation or a webhook's hint): it takes
     * a token only when one is free as it asks, so a waiting first-priority call is never behind
     * it.
     */
    REREAD
  }

  /** A bucket's refill rate (tokens a second) and size. */
  public record Rate(double perSecond, int burst) {

    public Rate {
      if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
        throw new IllegalArgumentException(
            "A platform rate must be a positive number of calls a second, not " + perSecond + ".");
      }
      if (burst < 1) {
        throw new IllegalArgumentException(
            "A platform burst must be at least 1, not " + burst + ".");
      }
    }

    long intervalNanos() {
      return Math.max(1, Math.round(1e9 / perSecond));
    }
  }

  /** The time the buckets are measured in, replaceable so that tests decide when time passes. */
  public interface Clock {

    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;

    Clock SYSTEM =
        new Clock() {
          @Override
          public long nanoTime() {
            return System.nanoTime();
          }

          @Override
          public void sleepNanos(long nanos) throws InterruptedException {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
          }
        };
  }

  /**
   * A token that could not be had within {@link #maxWait()}; {@code retryAfter} is when one is
   * expected.
   */
  public static final class Refused extends Exception {

    private final Duration retryAfter;

    Refused(Duration retryAfter) {
      super("no call allowed for " + retryAfter.toMillis() + " ms", null, false, false);
      this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
      return retryAfter;
    }
  }

  /**
   * One bucket as a generic cell rate: {@code theoreticalArrival} is when the bucket would be full
   * again if no further call came; a call may go when that time is at most a burst's worth of
   * intervals away. A pause moves it so that the first call allowed is at the pause's end.
   */
  private static final class Bucket {
    final long interval;
    final long tolerance;
    long theoreticalArrival;
    long pausedUntil;
    long backlogUntil;

    Bucket(Rate rate, long now) {
      this.interval = rate.intervalNanos();
      this.tolerance = (rate.burst() - 1) * interval;
      this.theoreticalArrival = now;
      this.pausedUntil = now;
    }

    /**
     * Takes a token at once when one is free; otherwise the nanoseconds until one is, and nothing
     * is taken.
     */
    synchronized long tryTake(long now) {
      long arrival = Math.max(theoreticalArrival, now);
      long allowedAt = Math.max(arrival - tolerance, pausedUntil);
      if (allowedAt > now) {
        return allowedAt - now;
      }
      theoreticalArrival = arrival + interval;
      return 0;
    }

    /**
     * Reserves the next token if it is due by {@code deadline} and returns the nanoseconds until it
     * is (0: at once); otherwise takes nothing and returns the negated wait, which is then below
     * zero since the deadline is not before now.
     */
    synchronized long reserve(long now, long deadline) {
      long arrival = Math.max(theoreticalArrival, now);
      long allowedAt = Math.max(arrival - tolerance, pausedUntil);
      if (allowedAt > deadline) {
        return -(allowedAt - now);
      }
      theoreticalArrival = arrival + interval;
      return Math.max(0, allowedAt - now);
    }

    /** How long a pause that came in after a token was reserved still holds its call back. */
    synchronized long pausedFor(long now) {
      return Math.max(0, pausedUntil - now);
    }

    /**
     * The time a refused caller is told to come back: when a token is expected, but after the
     * callers refused before it, one interval apart. Refused callers all told the same instant
     * would race again, and under a steady overload the same ones would keep losing; spread out,
     * they come back in the order they were refused.
     */
    synchronized long promise(long now, long wait) {
      // Callers that give up never come back for their turn, so the backlog is not allowed to run
      // away.
      long at = Math.max(now + wait, Math.min(backlogUntil, now + MAX_BACKLOG_NANOS));
      backlogUntil = at + interval;
      return at - now;
    }

    synchronized boolean idle(long now) {
      return theoreticalArrival <= now && pausedUntil <= now && backlogUntil <= now;
    }

    synchronized void pauseUntil(long until) {
      pausedUntil = Math.max(pausedUntil, until);
      theoreticalArrival = Math.max(theoreticalArrival, until + tolerance);
    }
  }

  /**
   * The latest a refused caller is told to come back, as a platform's own {@code Retry-After} is
   * bounded.
   */
  private static final long MAX_BACKLOG_NANOS = Duration.ofHours(1).toNanos();

  /**
   * Credentials rotate (GitHub's installation tokens hourly), so buckets are swept once there are
   * this many.
   */
  private static final int MAX_IDLE_BUCKETS = 10_000;

  private final Map<String, Rate> rates;
  private final Rate defaultRate;
  private final Duration maxWait;
  private final Clock clock;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param rates by plugin name (lower case, as the plugin is named: {@code discourse}, {@code
   *     opencollective})
   * @param defaultRate for a platform not named in {@code rates}
   * @param maxWait the longest a caller waits for a token
   */
  public PlatformRateLimiter(
      Map<String, Rate> rates, Rate defaultRate, Duration maxWait, Clock clock) {
    this.rates = Map.copyOf(rates);
    this.defaultRate = defaultRate;
    this.maxWait = maxWait;
    this.clock = clock;
  }

  public Duration maxWait() {
    return maxWait;
  }

  /** The rate a platform's instances are held to. */
  public Rate rateOf(String platform) {
    return rates.getOrDefault(pluginName(platform), defaultRate);
  }

  /** {@link #acquire(String, String, Priority)} with {@link Priority#FIRST}. */
  public void acquire(String platform, String instance) throws Refused, InterruptedException {
    acquire(platform, instance, Priority.FIRST);
  }

  /**
   * Waits until the instance's bucket has a token for the call and takes it, or throws {@link
   * Refused} when that would take longer than {@link #maxWait()}; refused callers are told to come
   * back one interval apart, in the order they were refused. A {@link Priority#FIRST} call reserves
   * its token before it sleeps, and a pause that came in meanwhile still holds it back; a {@link
   * Priority#REREAD} call only sleeps and asks again, so any first-priority call that came in
   * meanwhile is served before it.
   */
  public void acquire(String platform, String instance, Priority priority)
      throws Refused, InterruptedException {
    Bucket bucket = bucket(platform, instance);
    long deadline = clock.nanoTime() + maxWait.toNanos();
    if (priority == Priority.FIRST) {
      long now = clock.nanoTime();
      long wait = bucket.reserve(now, deadline);
      if (wait < 0) {
        throw new Refused(Duration.ofNanos(bucket.promise(now, -wait)));
      }
      while (wait > 0) {
        clock.sleepNanos(wait);
        now = clock.nanoTime();
        wait = bucket.pausedFor(now);
        if (now + wait > deadline) {
          throw new Refused(Duration.ofNanos(bucket.promise(now, wait)));
        }
      }
      return;
    }
    while (true) {
      long now = clock.nanoTime();
      long wait = bucket.tryTake(now);
      if (wait == 0) {
        return;
      }
      if (now + wait > deadline) {
        throw new Refused(Duration.ofNanos(bucket.promise(now, wait)));
      }
      clock.sleepNanos(wait);
    }
  }

  /**
   * Lets no call to the instance go before {@code wait} has passed, as a platform's {@code
   * Retry-After} asks.
   */
  public void pause(String platform, String instance, Duration wait) {
    bucket(platform, instance).pauseUntil(clock.nanoTime() + wait.toNanos());
  }

  private Bucket bucket(String platform, String instance) {
    String key = pluginName(platform) + " " + instance;
    Bucket bucket = buckets.get(key);
    if (bucket != null) {
      return bucket;
    }
    if (buckets.size() >= MAX_IDLE_BUCKETS) {
      forgetIdleBuckets();
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(rateOf(platform), clock.nanoTime()));
  }

  /** A full bucket that is not paused is the same as a new one, so forgetting it loses nothing. */
  private void forgetIdleBuckets() {
    long now = clock.nanoTime();
    buckets.values().removeIf(bucket -> bucket.idle(now));
  }

  /**
   * The plugin a platform's display name belongs to: {@code Open Collective} is {@code
   * opencollective}.
   */
  static String pluginName(String platform) {
    return platform.replace(" ", "").toLowerCase(Locale.ROOT);
  }
}

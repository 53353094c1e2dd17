package org.metagov.activities.http;

/**
 * A limiter clock for callers on threads of their own: time moves only when the test advances it,
 * and a sleeping caller wakes once it has passed its wake time.
 */
final class ManualClock implements PlatformRateLimiter.Clock {

  private long nanos = 1_000_000_000L;
  private int sleepers;

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized void sleepNanos(long wait) throws InterruptedException {
    long until = nanos + wait;
    sleepers++;
    notifyAll();
    try {
      while (nanos < until) {
        wait();
      }
    } finally {
      sleepers--;
      notifyAll();
    }
  }

  synchronized void advanceMillis(long millis) {
    nanos += millis * 1_000_000L;
    notifyAll();
  }

  /** Waits until exactly {@code count} callers sleep. */
  synchronized void awaitSleepers(int count) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (sleepers != count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError(sleepers + " callers sleep, not " + count);
      }
      wait(left / 1_000_000L + 1);
    }
  }
}

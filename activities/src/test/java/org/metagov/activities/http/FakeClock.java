package org.metagov.activities.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A limiter clock that moves only when told to, or when a caller sleeps (the sleep passes at once).
 */
final class FakeClock implements PlatformRateLimiter.Clock {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong slept = new AtomicLong();

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public void sleepNanos(long wait) {
    slept.addAndGet(wait);
    nanos.addAndGet(wait);
  }

  void advanceMillis(long millis) {
    advanceNanos(millis * 1_000_000L);
  }

  void advanceNanos(long wait) {
    nanos.addAndGet(wait);
  }

  long sleptMillis() {
    return slept.get() / 1_000_000L;
  }
}

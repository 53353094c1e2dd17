package org.metagov.api.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Latencies of one measured batch (nanoseconds) and how long the whole batch took. */
record Latencies(List<Long> nanos, long elapsedNanos) {

  static final Latencies NONE = new Latencies(List.of(), 0);

  /** One step of a batch, the {@code i}-th. */
  interface Step {
    void run(int i) throws Exception;
  }

  /** Runs {@code count} steps on {@code threads} client threads and times each. */
  static Latencies concurrently(int count, int threads, Step step) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      long began = System.nanoTime();
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        futures.add(
            pool.submit(
                () -> {
                  long t = System.nanoTime();
                  step.run(n);
                  latencies.add(System.nanoTime() - t);
                  return null;
                }));
      }
      for (Future<?> future : futures) {
        future.get();
      }
      return new Latencies(new ArrayList<>(latencies), System.nanoTime() - began);
    } finally {
      pool.shutdownNow();
    }
  }

  /** These latencies and {@code other}'s, as if one batch had taken both batches' time. */
  Latencies plus(Latencies other) {
    List<Long> all = new ArrayList<>(nanos);
    all.addAll(other.nanos);
    return new Latencies(all, elapsedNanos + other.elapsedNanos);
  }

  /** The percentile in milliseconds (nearest rank). */
  double p(double percentile) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, index)) / 1e6;
  }

  double maxMillis() {
    return Collections.max(nanos) / 1e6;
  }

  double perSecond() {
    return nanos.size() / (elapsedNanos / 1e9);
  }
}

package org.metagov.api.bench;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * API process starts beside the start peer's, measured one after the other in one run: on {@code
 * threads} client threads (throughput, latency and the CPU each start costs, the workflow's own
 * work included) and on one thread (latency).
 */
record StartComparison(
    int threads,
    Latencies api,
    Latencies peer,
    double apiRunningPerSecond,
    double peerRunningPerSecond,
    CpuUse apiCpu,
    CpuUse peerCpu,
    Latencies apiSingle,
    Latencies peerSingle) {

  /**
   * Starts of each kind before anything is measured, so that both run compiled code: the API's path
   * is far more code than the peer's, and 40 starts left much of it interpreted.
   */
  static final int WARM_UP = Integer.getInteger("metagov.bench.warm-up", 1_000);

  static final int SINGLE_THREAD_STARTS = 150;

  /** Rounds in which the API's and the peer's batches take turns. */
  static final int ROUNDS = Integer.getInteger("metagov.bench.rounds", 3);

  static final int DELAY_SECONDS = 600;

  /**
   * Measures {@code starts} starts of each kind. {@code apiRunning} and {@code peerRunning} count
   * the processes of each kind that have done their first step (the API's are {@code pending}, the
   * peer's have run their activity): a batch ends when all of its processes have, and {@code
   * settle} runs after that, before the CPU is read, so the work a batch left to its worker is
   * counted with it.
   */
  static StartComparison measure(
      int starts,
      int threads,
      Latencies.Step api,
      Latencies.Step peer,
      LongSupplier apiRunning,
      LongSupplier peerRunning,
      Runnable settle)
      throws Exception {
    long apiBefore = apiRunning.getAsLong();
    long peerBefore = peerRunning.getAsLong();
    Latencies.concurrently(WARM_UP, threads, api);
    Latencies.concurrently(WARM_UP, threads, peer);
    awaitRunning(apiRunning, apiBefore + WARM_UP, System.nanoTime());
    awaitRunning(peerRunning, peerBefore + WARM_UP, System.nanoTime());
    settle.run();

    // The two kinds take turns in rounds, so that a machine whose speed drifts during the run (a
    // shared one does) weighs on both alike.
    Batch apiBatches = Batch.NONE;
    Batch peerBatches = Batch.NONE;
    Latencies apiSingle = Latencies.NONE;
    Latencies peerSingle = Latencies.NONE;
    for (int round = 0; round < ROUNDS; round++) {
      apiBatches =
          apiBatches.plus(Batch.measure(starts / ROUNDS, threads, api, apiRunning, settle));
      peerBatches =
          peerBatches.plus(Batch.measure(starts / ROUNDS, threads, peer, peerRunning, settle));
      apiSingle = apiSingle.plus(Latencies.concurrently(SINGLE_THREAD_STARTS / ROUNDS, 1, api));
      peerSingle = peerSingle.plus(Latencies.concurrently(SINGLE_THREAD_STARTS / ROUNDS, 1, peer));
    }
    return new StartComparison(
        threads,
        apiBatches.starts(),
        peerBatches.starts(),
        apiBatches.starts().nanos().size() * 1e9 / apiBatches.runningNanos(),
        peerBatches.starts().nanos().size() * 1e9 / peerBatches.runningNanos(),
        apiBatches.cpu(),
        peerBatches.cpu(),
        apiSingle,
        peerSingle);
  }

  /**
   * One batch of starts: their latencies, the nanoseconds from its first start until all of its
   * processes were running, and the CPU it cost, the settling after it included.
   */
  private record Batch(Latencies starts, long runningNanos, CpuUse cpu) {

    static final Batch NONE = new Batch(Latencies.NONE, 0, CpuUse.NONE);

    static Batch measure(
        int count, int threads, Latencies.Step step, LongSupplier running, Runnable settle)
        throws Exception {
      CpuUse before = CpuUse.now();
      long began = System.nanoTime();
      long runningBefore = running.getAsLong();
      Latencies starts = Latencies.concurrently(count, threads, step);
      long allRunning = awaitRunning(running, runningBefore + count, began);
      settle.run();
      return new Batch(starts, allRunning, CpuUse.now().since(before));
    }

    Batch plus(Batch other) {
      return new Batch(
          starts.plus(other.starts), runningNanos + other.runningNanos, cpu.plus(other.cpu));
    }
  }

  /**
   * Waits until {@code running} reaches {@code target}; returns the nanoseconds since {@code
   * began}.
   */
  private static long awaitRunning(LongSupplier running, long target, long began)
      throws InterruptedException {
    long deadline = began + Duration.ofMinutes(10).toNanos();
    while (running.getAsLong() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "only " + running.getAsLong() + " of " + target + " processes running after 10 min");
      }
      Thread.sleep(20);
    }
    return System.nanoTime() - began;
  }

  /** The API processes of {@code community} that are {@code pending}: their creation is done. */
  static LongSupplier pendingProcesses(DataSource dataSource, String community) {
    JdbcClient jdbc = JdbcClient.create(dataSource);
    return () ->
        jdbc.sql("select count(*) from process where community_slug = ? and status = 'pending'")
            .param(community)
            .query(Long.class)
            .single();
  }

  /** Starts one start peer on {@code client}'s server: one activity, then a timer. */
  static void startPeer(WorkflowClient client) {
    BenchPeers.StartPeer peer =
        client.newWorkflowStub(
            BenchPeers.StartPeer.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(
                    "bench-start-" + System.nanoTime() + "-" + Thread.currentThread().getId())
                .setTaskQueue(BenchPeers.START_QUEUE)
                .build());
    WorkflowClient.start(peer::run, DELAY_SECONDS);
  }

  /** The table rows, each figure named with {@code setup}. */
  List<String[]> rows(String setup) {
    int starts = api.nanos().size();
    return List.of(
        ProcessBenchmark.row(
            "process starts, throughput (" + threads + " threads" + setup + ")",
            "%.0f/s",
            api.perSecond(),
            peer.perSecond()),
        ProcessBenchmark.row(
            "processes running, throughput: from the first start until every process of the batch"
                + " has done its first step ("
                + threads
                + " threads"
                + setup
                + ")",
            "%.0f/s",
            apiRunningPerSecond,
            peerRunningPerSecond),
        new String[] {
          "CPU per start, the workflow's work included (" + threads + " threads" + setup + ")",
          apiCpu.perUnit(starts),
          peerCpu.perUnit(starts),
          String.format(Locale.ROOT, "%.2f", apiCpu.millisPer(starts) / peerCpu.millisPer(starts))
        },
        ProcessBenchmark.pair(
            "process start latency p50 / p99 (" + threads + " threads" + setup + ")", api, peer),
        ProcessBenchmark.pair(
            "process start latency p50 / p99 (1 thread" + setup + ")", apiSingle, peerSingle));
  }
}

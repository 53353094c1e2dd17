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

  static final int SINGLE_THREAD_STARTS = 100;
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

    CpuUse before = CpuUse.now();
    long began = System.nanoTime();
    apiBefore = apiRunning.getAsLong();
    Latencies apiStarts = Latencies.concurrently(starts, threads, api);
    long apiAllRunning = awaitRunning(apiRunning, apiBefore + starts, began);
    settle.run();
    CpuUse apiCpu = CpuUse.now().since(before);

    before = CpuUse.now();
    began = System.nanoTime();
    peerBefore = peerRunning.getAsLong();
    Latencies peerStarts = Latencies.concurrently(starts, threads, peer);
    long peerAllRunning = awaitRunning(peerRunning, peerBefore + starts, began);
    settle.run();
    CpuUse peerCpu = CpuUse.now().since(before);

    Latencies apiSingle = Latencies.concurrently(SINGLE_THREAD_STARTS, 1, api);
    Latencies peerSingle = Latencies.concurrently(SINGLE_THREAD_STARTS, 1, peer);
    return new StartComparison(
        threads,
        apiStarts,
        peerStarts,
        starts * 1e9 / apiAllRunning,
        starts * 1e9 / peerAllRunning,
        apiCpu,
        peerCpu,
        apiSingle,
        peerSingle);
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

package org.metagov.api.bench;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import java.util.Locale;

/**
 * API process starts beside the start peer's, measured one after the other in one run: on {@code
 * threads} client threads (throughput, latency and the CPU each start costs, the workflow's own
 * work included) and on one thread (latency).
 */
record StartComparison(
    int threads,
    Latencies api,
    Latencies peer,
    CpuUse apiCpu,
    CpuUse peerCpu,
    Latencies apiSingle,
    Latencies peerSingle) {

  static final int WARM_UP = 40;
  static final int SINGLE_THREAD_STARTS = 100;
  static final int DELAY_SECONDS = 600;

  /**
   * Measures {@code starts} starts of each kind. {@code settle} runs after each batch, before the
   * CPU is read, so the work a batch left to its worker is counted with it.
   */
  static StartComparison measure(
      int starts, int threads, Latencies.Step api, Latencies.Step peer, Runnable settle)
      throws Exception {
    Latencies.concurrently(WARM_UP, threads, api);
    Latencies.concurrently(WARM_UP, threads, peer);
    settle.run();
    CpuUse before = CpuUse.now();
    Latencies apiStarts = Latencies.concurrently(starts, threads, api);
    settle.run();
    CpuUse apiCpu = CpuUse.now().since(before);
    before = CpuUse.now();
    Latencies peerStarts = Latencies.concurrently(starts, threads, peer);
    settle.run();
    CpuUse peerCpu = CpuUse.now().since(before);
    Latencies apiSingle = Latencies.concurrently(SINGLE_THREAD_STARTS, 1, api);
    Latencies peerSingle = Latencies.concurrently(SINGLE_THREAD_STARTS, 1, peer);
    return new StartComparison(
        threads, apiStarts, peerStarts, apiCpu, peerCpu, apiSingle, peerSingle);
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

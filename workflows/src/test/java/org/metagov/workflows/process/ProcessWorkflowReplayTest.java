package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.metagov.workflows.Replays;
import org.metagov.workflows.delivery.DeliveryWorkflowImpl;

/**
 * Replays histories recorded from earlier versions of the process workflow against the current
 * code: a change that would break running processes fails here. Record new histories with {@code
 * mvn -pl workflows test -Dtest=ProcessWorkflowReplayTest -Dmetagov.recordHistories=true} when a
 * change is deliberately versioned with {@code Workflow.getVersion}; keep the old files.
 */
class ProcessWorkflowReplayTest {

  /**
   * Histories are recorded per workflow version: process-<version>-<scenario>.json(.gz when long);
   * old ones stay.
   */
  static final String RECORDING = "v6";

  static java.util.stream.Stream<String> histories() throws Exception {
    Path folder = Path.of(ProcessWorkflowReplayTest.class.getResource("/histories").toURI());
    try (var files = Files.list(folder)) {
      List<String> names =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.startsWith("process-"))
              .sorted()
              .toList();
      assertThat(names).as("recorded histories").hasSizeGreaterThanOrEqualTo(11);
      return names.stream();
    }
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("histories")
  void recordedHistoriesReplayOnTheCurrentCode(String file) throws Exception {
    try (InputStream stored = getClass().getResourceAsStream("/histories/" + file);
        InputStream in = file.endsWith(".gz") ? new GZIPInputStream(stored) : stored) {
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      Replays.replay(json, ProcessWorkflowImpl.class);
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "metagov.recordHistories", matches = "true")
  void recordHistories() throws IOException, InterruptedException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(ProcessWorkflowTest.QUEUE);
      worker.registerWorkflowImplementationTypes(
          ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class, LiveCallbackWorkflowImpl.class);
      FakePlatform platform = new FakePlatform();
      worker.registerActivitiesImplementations(platform);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      platform.client = client;

      ProcessWorkflow deadline = stub(client, 1);
      WorkflowClient.start(
          deadline::run, start(env, 1, Duration.ofDays(1), "http://127.0.0.1:9/cb", 6 * 3600));
      env.sleep(Duration.ofHours(1));
      platform.votes = Map.of("yes", 2, "no", 1);
      deadline.platformUpdate(new PlatformHint("d-1", "stance_created"));
      WorkflowStub.fromTyped(deadline).getResult(ProcessRecord.class);
      write(client, 1, "deadline-with-hint-and-callback");

      ProcessWorkflow early = stub(client, 2);
      WorkflowClient.start(early::run, start(env, 2, Duration.ofDays(7), null, 0));
      env.sleep(Duration.ofMinutes(1));
      early.close();
      WorkflowStub.fromTyped(early).getResult(ProcessRecord.class);
      write(client, 2, "closed-early");

      platform.rejectStart = true;
      ProcessWorkflow rejected = stub(client, 3);
      WorkflowClient.start(rejected::run, start(env, 3, Duration.ofDays(1), null, 0));
      WorkflowStub.fromTyped(rejected).getResult(ProcessRecord.class);
      write(client, 3, "rejected-at-start");

      // A storm of hints, each burst sent once the platform is read: the first run continues as new
      // at its
      // first wake past the history limit, owing the next run a refresh (thousands of events, so
      // gzipped).
      platform.rejectStart = false;
      ProcessWorkflow storm = stub(client, 4);
      String firstRun =
          WorkflowClient.start(storm::run, start(env, 4, Duration.ofDays(7), null, 0)).getRunId();
      String stormId = ProcessWorkflow.workflowId("c1", "loomio.poll", 4);
      int hints = 0;
      while (status(client, stormId, firstRun)
          == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        int readsBefore = platform.refreshes.get();
        for (int i = 0; i < 50; i++) {
          hints++;
          platform.votes = Map.of("yes", hints, "no", 0);
          storm.platformUpdate(new PlatformHint("d-" + hints, "stance_created"));
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (platform.refreshes.get() == readsBefore && System.nanoTime() < until) {
          Thread.sleep(5);
        }
      }
      assertThat(status(client, stormId, firstRun))
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW);
      WorkflowExecutionHistory continued = client.fetchHistory(stormId, firstRun);
      String nextRun =
          continued
              .getLastEvent()
              .getWorkflowExecutionContinuedAsNewEventAttributes()
              .getNewExecutionRunId();
      env.sleep(Duration.ofSeconds(5));
      platform.votes = Map.of("yes", hints + 1, "no", 0);
      storm.platformUpdate(new PlatformHint("d-" + (hints + 1), "stance_created"));
      env.sleep(Duration.ofSeconds(5));
      storm.close();
      WorkflowStub.fromTyped(storm).getResult(ProcessRecord.class);
      writeGzipped(continued, "storm-continued-owing-a-refresh");
      Files.writeString(
          file("storm-next-run-refreshes-then-closed", ""),
          client.fetchHistory(stormId, nextRun).toJson(true));

      // Live callbacks (since v4): two changes called back, the Driver failing for a while on the
      // second, then the
      // deadline; the process and its live callback workflow are both recorded.
      ProcessWorkflow live = stub(client, 5);
      WorkflowClient.start(live::run, liveCallbackPoll(env, 5));
      env.sleep(Duration.ofMinutes(1));
      platform.updateFailuresLeft.set(3);
      platform.votes = Map.of("yes", 1, "no", 0);
      live.platformUpdate(new PlatformHint("l-1", "stance_created"));
      env.sleep(Duration.ofMinutes(1));
      WorkflowStub.fromTyped(live).getResult(ProcessRecord.class);
      client.newUntypedWorkflowStub(LiveCallbackWorkflow.workflowId(5)).getResult(Void.class);
      write(client, 5, "live-callbacks-deadline");
      // The live callback workflow's history has versions of its own: a recording of the process
      // workflow keeps the one committed, and writes a first one only.
      Path liveHistory =
          Path.of(
              "src/test/resources/histories/live-callbacks-v0-two-updates-one-retried-then-final.json");
      if (!Files.exists(liveHistory)) {
        Files.writeString(
            liveHistory, client.fetchHistory(LiveCallbackWorkflow.workflowId(5)).toJson(true));
      }
    }
  }

  /**
   * The path a GitHub issue vote takes that the histories above do not: no deadline (reconciliation
   * wakes only), a webhook hint, then a reconciliation that finds the vote closed on the platform
   * (by {@code max_votes}, or the issue closed on GitHub), which completes it and starts the
   * callback.
   */
  @Test
  @EnabledIfSystemProperty(named = "metagov.recordHistories", matches = "github")
  void recordGitHubVoteHistory() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(ProcessWorkflowTest.QUEUE);
      worker.registerWorkflowImplementationTypes(
          ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class);
      FakePlatform platform = new FakePlatform();
      worker.registerActivitiesImplementations(platform);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      platform.client = client;

      String workflowId = ProcessWorkflow.workflowId("c1", "github.issue-comment-vote", 5);
      ProcessWorkflow vote =
          client.newWorkflowStub(
              ProcessWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(workflowId)
                  .setTaskQueue(ProcessWorkflowTest.QUEUE)
                  .build());
      WorkflowClient.start(
          vote::run,
          new ProcessStart(
              5,
              "c1",
              "github",
              "issue-comment-vote",
              Map.of("repo_name", "bylaws", "question", "Adopt?", "max_votes", 2),
              0,
              "http://127.0.0.1:9/cb",
              false,
              3600,
              false,
              ProcessWorkflowTest.DELIVERY,
              null,
              null));
      env.sleep(Duration.ofMinutes(10));
      platform.votes = Map.of("yes", 1);
      vote.platformUpdate(new PlatformHint("d-1", "created issue_comment"));
      env.sleep(Duration.ofMinutes(1));
      platform.votes = Map.of("yes", 2);
      platform.closedOnPlatform = true;
      env.sleep(Duration.ofHours(1));
      ProcessRecord record = WorkflowStub.fromTyped(vote).getResult(ProcessRecord.class);
      assertThat(record.status()).isEqualTo(ProcessStatus.COMPLETED);
      Files.writeString(
          file("github-vote-closed-on-platform-at-reconcile", ""),
          client.fetchHistory(workflowId).toJson(true));
    }
  }

  /**
   * Projection writes and live-callback announcements failing for a while, as under connection pool
   * starvation. Before v5 the first failed write failed the process (recorded as v4 from that code,
   * so the old path stays replayable); since v5 both are retried until they land.
   */
  @Test
  @EnabledIfSystemProperty(named = "metagov.recordHistories", matches = "bookkeeping")
  void recordFailingBookkeepingHistory() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(ProcessWorkflowTest.QUEUE);
      worker.registerWorkflowImplementationTypes(
          ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class, LiveCallbackWorkflowImpl.class);
      FakePlatform platform = new FakePlatform();
      worker.registerActivitiesImplementations(platform);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      platform.client = client;

      ProcessWorkflow vote = stub(client, 6);
      // v4 was recorded with 12 failures each and no refusals; since v5 the refusals make the
      // workflow's wait-and-retry loop run as well.
      platform.projectFailuresLeft.set(20);
      platform.projectRefusalsLeft.set(2);
      platform.announceFailuresLeft.set(20);
      WorkflowClient.start(vote::run, liveCallbackPoll(env, 6));
      try {
        WorkflowStub.fromTyped(vote).getResult(ProcessRecord.class);
      } catch (io.temporal.client.WorkflowFailedException failedBeforeV5) {
        // Recorded as it happened.
      }
      write(client, 6, "bookkeeping-fails-for-a-while");
    }
  }

  /** A one-day Loomio poll with live callbacks, as the recorded histories since v4 start it. */
  private static ProcessStart liveCallbackPoll(TestWorkflowEnvironment env, long id) {
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", "Adopt X", "options", List.of("yes", "no")),
        env.currentTimeMillis() + Duration.ofDays(1).toMillis(),
        "http://127.0.0.1:9/cb",
        true,
        0,
        false,
        ProcessWorkflowTest.DELIVERY,
        null,
        null);
  }

  private static WorkflowExecutionStatus status(
      WorkflowClient client, String workflowId, String runId) {
    return client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(client.getOptions().getNamespace())
                .setExecution(
                    WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId))
                .build())
        .getWorkflowExecutionInfo()
        .getStatus();
  }

  private static ProcessWorkflow stub(WorkflowClient client, long id) {
    return client.newWorkflowStub(
        ProcessWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(ProcessWorkflow.workflowId("c1", "loomio.poll", id))
            .setTaskQueue(ProcessWorkflowTest.QUEUE)
            .build());
  }

  private static ProcessStart start(
      TestWorkflowEnvironment env, long id, Duration closesIn, String callback, long reconcile) {
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", "Adopt X", "options", List.of("yes", "no")),
        env.currentTimeMillis() + closesIn.toMillis(),
        callback,
        false,
        reconcile,
        false,
        ProcessWorkflowTest.DELIVERY,
        null,
        null);
  }

  private static void write(WorkflowClient client, long id, String name) throws IOException {
    String json =
        client.fetchHistory(ProcessWorkflow.workflowId("c1", "loomio.poll", id)).toJson(true);
    Files.writeString(file(name, ""), json);
  }

  private static void writeGzipped(WorkflowExecutionHistory history, String name)
      throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file(name, ".gz")))) {
      out.write(history.toJson(false).getBytes(StandardCharsets.UTF_8));
    }
  }

  private static Path file(String name, String suffix) throws IOException {
    Path file =
        Path.of(
            "src/test/resources/histories/process-" + RECORDING + "-" + name + ".json" + suffix);
    Files.createDirectories(file.getParent());
    return file;
  }
}

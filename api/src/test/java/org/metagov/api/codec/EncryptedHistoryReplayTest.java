package org.metagov.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryActivities;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.metagov.workflows.delivery.DeliveryWorkflowImpl;
import org.metagov.workflows.delivery.EventOutboxWorkflowImpl;
import org.metagov.workflows.delivery.EventStreamWorkflowImpl;
import org.metagov.workflows.process.LiveCallbackWorkflowImpl;
import org.metagov.workflows.process.PlatformCall;
import org.metagov.workflows.process.PlatformSnapshot;
import org.metagov.workflows.process.ProcessActivities;
import org.metagov.workflows.process.ProcessFailure;
import org.metagov.workflows.process.ProcessProjection;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStart;
import org.metagov.workflows.process.ProcessWorkflow;
import org.metagov.workflows.process.ProcessWorkflowImpl;

/**
 * Histories recorded with payload encryption on (in {@code src/test/resources/histories/}, under
 * the fixed test key {@link #RECORDING_KEY}) replay on the current code through the encrypting data
 * converter, also after a key rotation; and the unencrypted histories the workflows module keeps
 * (recorded before encryption) replay through it too, since their payloads pass through. Record
 * again with {@code mvn -pl api test -Dtest=EncryptedHistoryReplayTest
 * -Dmetagov.recordHistories=true} (keep old files).
 */
class EncryptedHistoryReplayTest {

  /** The key the committed histories were encrypted with; a test key, never a deployment's. */
  static final String RECORDING_KEY = PayloadEncryptionCodecTest.NEW_KEY;

  static final String CALLBACK =
      "https://driver.example.org/receive/outcome-7?token=s3cr3t-query-token";
  static final String PARAMETER = "Adopt the s3cr3t-parameter budget";
  static final String PLATFORM_ERROR =
      "Loomio answered 422: group of the s3cr3t-collective is archived";

  /** Texts that must never be readable in a stored history. */
  static final String[] SECRETS = {"s3cr3t", "driver.example.org", "outcome-7", "Loomio"};

  static final List<Class<?>> WORKFLOWS =
      List.of(
          ProcessWorkflowImpl.class,
          DeliveryWorkflowImpl.class,
          EventStreamWorkflowImpl.class,
          EventOutboxWorkflowImpl.class,
          LiveCallbackWorkflowImpl.class);
  static final String QUEUE = "encrypted-histories";

  static Stream<String> encryptedHistories() throws Exception {
    return list(Path.of(EncryptedHistoryReplayTest.class.getResource("/histories").toURI()), 3);
  }

  /** The workflows module's histories, recorded before payloads were encrypted. */
  static Stream<String> unencryptedHistories() throws Exception {
    return list(
        Path.of("../workflows/src/test/resources/histories").toAbsolutePath().normalize(), 10);
  }

  @ParameterizedTest
  @MethodSource("encryptedHistories")
  void encryptedHistoriesReplayThroughTheCodecAlsoAfterARotation(String file) throws Exception {
    WorkflowExecutionHistory history =
        read(Path.of(getClass().getResource("/histories/" + file).toURI()));
    replay(history, PayloadEncryptionCodecTest.codec(RECORDING_KEY, "").dataConverter());
    replay(
        history,
        PayloadEncryptionCodecTest.codec(PayloadEncryptionCodecTest.OLD_KEY, RECORDING_KEY)
            .dataConverter());
  }

  @ParameterizedTest
  @MethodSource("encryptedHistories")
  void encryptedHistoriesHoldNothingInClearAndNeedTheCodec(String file) throws Exception {
    WorkflowExecutionHistory history =
        read(Path.of(getClass().getResource("/histories/" + file).toURI()));
    StoredPayloads.assertNothingInClear(history.getHistory(), SECRETS);
    assertThatThrownBy(() -> replay(history, null))
        .as("without the codec the payloads cannot be read")
        .hasStackTraceContaining(
            "No PayloadConverter is registered for an encoding: binary/encrypted");
  }

  @Test
  void theRecordingsIncludeEncryptedFailures() throws Exception {
    WorkflowExecutionHistory rejected =
        read(
            Path.of(
                getClass()
                    .getResource("/histories/process-v2-encrypted-rejected-at-start.json")
                    .toURI()));
    assertThat(StoredPayloads.failures(rejected.getHistory()))
        .as("the platform's rejection")
        .isNotEmpty();
  }

  @ParameterizedTest
  @MethodSource("unencryptedHistories")
  void historiesRecordedBeforeEncryptionReplayThroughTheCodec(String file) throws Exception {
    replay(
        read(Path.of("../workflows/src/test/resources/histories", file)),
        PayloadEncryptionCodecTest.codec(RECORDING_KEY, "").dataConverter());
  }

  /**
   * Replays on a fresh test environment whose client and workers use {@code converter} (null: the
   * default one). The deadlock detector gets 10 s instead of 1 s: a cold first replay on a loaded
   * machine is slow, not stuck.
   */
  static void replay(WorkflowExecutionHistory history, DataConverter converter) throws Exception {
    WorkflowClientOptions.Builder client = WorkflowClientOptions.newBuilder();
    if (converter != null) {
      client.setDataConverter(converter);
    }
    try (TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder().setWorkflowClientOptions(client.build()).build())) {
      Worker worker =
          env.newWorker(
              QUEUE, WorkerOptions.newBuilder().setDefaultDeadlockDetectionTimeout(10_000).build());
      worker.registerWorkflowImplementationTypes(WORKFLOWS.toArray(Class<?>[]::new));
      WorkflowReplayer.replayWorkflowExecution(history, worker);
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "metagov.recordHistories", matches = "true")
  void recordHistories() throws Exception {
    DataConverter converter = PayloadEncryptionCodecTest.codec(RECORDING_KEY, "").dataConverter();
    try (TestWorkflowEnvironment env =
        TestWorkflowEnvironment.newInstance(
            TestEnvironmentOptions.newBuilder()
                .setWorkflowClientOptions(
                    WorkflowClientOptions.newBuilder().setDataConverter(converter).build())
                .build())) {
      Worker worker = env.newWorker(QUEUE);
      worker.registerWorkflowImplementationTypes(
          ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class);
      RecordingPlatform platform = new RecordingPlatform();
      worker.registerActivitiesImplementations(platform);
      env.start();
      WorkflowClient client = env.getWorkflowClient();
      platform.client = client;

      ProcessWorkflow deadline = stub(client, 1);
      WorkflowClient.start(deadline::run, start(env, 1));
      WorkflowStub.fromTyped(deadline).getResult(ProcessRecord.class);
      String deliveryId = DeliveryWorkflow.workflowId("process-1-result");
      client.newUntypedWorkflowStub(deliveryId).getResult(Void.class);
      write(
          client.fetchHistory(ProcessWorkflow.workflowId("c1", "loomio.poll", 1)),
          "process-v2-encrypted-deadline-with-callback");
      write(client.fetchHistory(deliveryId), "delivery-v0-encrypted-delivered");

      platform.rejectStart = true;
      ProcessWorkflow rejected = stub(client, 2);
      WorkflowClient.start(rejected::run, start(env, 2));
      WorkflowStub.fromTyped(rejected).getResult(ProcessRecord.class);
      write(
          client.fetchHistory(ProcessWorkflow.workflowId("c1", "loomio.poll", 2)),
          "process-v2-encrypted-rejected-at-start");
    }
  }

  private static ProcessWorkflow stub(WorkflowClient client, long id) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("title", PARAMETER);
    memo.put("callback_url", OutboundHttp.describe(CALLBACK));
    return client.newWorkflowStub(
        ProcessWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(ProcessWorkflow.workflowId("c1", "loomio.poll", id))
            .setTaskQueue(QUEUE)
            .setMemo(memo)
            .build());
  }

  private static ProcessStart start(TestWorkflowEnvironment env, long id) {
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", PARAMETER, "options", List.of("yes", "no")),
        env.currentTimeMillis() + Duration.ofDays(1).toMillis(),
        CALLBACK,
        false,
        0,
        false,
        new DeliveryPolicy(Duration.ofDays(4).toSeconds(), Duration.ofHours(1).toSeconds()),
        null,
        null);
  }

  private static void write(WorkflowExecutionHistory history, String name) throws IOException {
    Files.writeString(
        Path.of("src/test/resources/histories/" + name + ".json"), history.toJson(true));
  }

  private static Stream<String> list(Path folder, int atLeast) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
      assertThat(names).as("histories in " + folder).hasSizeGreaterThanOrEqualTo(atLeast);
      return names.stream();
    }
  }

  private static WorkflowExecutionHistory read(Path file) throws IOException {
    try (InputStream stored = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(stored) : stored) {
      return WorkflowExecutionHistory.fromJson(
          new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** A Loomio that can reject the start, and a Driver that takes every callback. */
  static class RecordingPlatform implements ProcessActivities, DeliveryActivities {

    volatile boolean rejectStart;

    @Override
    public PlatformSnapshot start(PlatformCall call) {
      if (rejectStart) {
        throw ApplicationFailure.newNonRetryableFailure(
            PLATFORM_ERROR, ProcessFailure.PLATFORM_REJECTED.type());
      }
      return snapshot(false);
    }

    @Override
    public PlatformSnapshot refresh(PlatformCall call) {
      return snapshot(false);
    }

    @Override
    public PlatformSnapshot close(PlatformCall call) {
      return snapshot(true);
    }

    @Override
    public void project(ProcessProjection projection) {}

    private static PlatformSnapshot snapshot(boolean closed) {
      return new PlatformSnapshot(
          Map.of("poll_key", "s3cr3t-poll"),
          Map.of("votes", Map.of("yes", 2, "no", 1)),
          "https://loomio.s3cr3t.example/p/abc",
          closed,
          List.of("poll:abc"));
    }

    volatile WorkflowClient client;

    @Override
    public void startResultDelivery(Delivery delivery, DeliveryPolicy policy) {
      try {
        WorkflowClient.start(
            client.newWorkflowStub(
                    org.metagov.workflows.delivery.DeliveryWorkflow.class,
                    WorkflowOptions.newBuilder()
                        .setWorkflowId(
                            org.metagov.workflows.delivery.DeliveryWorkflow.workflowId(
                                delivery.id()))
                        .setTaskQueue(
                            io.temporal.activity.Activity.getExecutionContext()
                                .getInfo()
                                .getActivityTaskQueue())
                        .build())
                ::deliver,
            delivery,
            policy);
      } catch (io.temporal.client.WorkflowExecutionAlreadyStarted e) {
        // Started by an earlier attempt.
      }
    }

    @Override
    public void register(Delivery delivery) {}

    @Override
    public void send(Delivery delivery) {}

    @Override
    public void finish(String deliveryId, boolean delivered, String lastError) {}
  }
}

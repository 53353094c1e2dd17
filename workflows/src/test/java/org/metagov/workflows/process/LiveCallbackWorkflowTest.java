package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerFactoryOptions;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryWorkflowImpl;

/**
 * Live callbacks on the Temporal test server: every change in version order, the final one always
 * last.
 */
class LiveCallbackWorkflowTest {

  static final String CALLBACK = "http://127.0.0.1:9/cb";

  /**
   * The test server never expires workflow tasks left on a stopped worker's sticky queue (DESIGN.md
   * §6), so the restart test needs them on the shared queue: no cache (hence no sticky queue), and
   * no wait on a sticky queue.
   */
  static final WorkerFactoryOptions FACTORY =
      WorkerFactoryOptions.newBuilder().setWorkflowCacheSize(0).build();

  static final WorkerOptions WORKER =
      WorkerOptions.newBuilder().setStickyQueueScheduleToStartTimeout(Duration.ZERO).build();

  TestWorkflowEnvironment env;
  WorkerFactory workers;
  WorkflowClient client;
  FakePlatform platform;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    env.start();
    client = env.getWorkflowClient();
    workers = WorkerFactory.newInstance(client, FACTORY);
    register(workers.newWorker(ProcessWorkflowTest.QUEUE, WORKER));
    workers.start();
    platform.client = client;
  }

  private void register(Worker worker) {
    worker.registerWorkflowImplementationTypes(
        ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class, LiveCallbackWorkflowImpl.class);
    if (platform == null) {
      platform = new FakePlatform();
    }
    worker.registerActivitiesImplementations(platform);
  }

  @AfterEach
  void tearDown() {
    workers.shutdownNow();
    env.close();
  }

  private ProcessStart start(long id, Duration closesIn, boolean live) {
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", "Adopt X", "options", List.of("yes", "no")),
        env.currentTimeMillis() + closesIn.toMillis(),
        CALLBACK,
        live,
        0,
        false,
        ProcessWorkflowTest.DELIVERY,
        null,
        null);
  }

  private ProcessWorkflow stub(long id) {
    return client.newWorkflowStub(
        ProcessWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(ProcessWorkflow.workflowId("c1", "loomio.poll", id))
            .setTaskQueue(ProcessWorkflowTest.QUEUE)
            .build());
  }

  /**
   * Lets workflow time pass (skipped) in small steps until the condition holds, for at most a
   * simulated day.
   */
  private void until(BooleanSupplier condition) {
    for (int i = 0; i < 1440 && !condition.getAsBoolean(); i++) {
      env.sleep(Duration.ofMinutes(1));
    }
    assertThat(condition.getAsBoolean())
        .as(
            "condition reached (updates %s, attempts %s, refreshes %s, projections %s)",
            platform.updateVersions(),
            platform.updateAttempts.get(),
            platform.refreshes.get(),
            platform.projections.size())
        .isTrue();
  }

  private Delivery finalCallback(long id) {
    if (platform.updateAttempts.get() > 0) {
      // A live process's result delivery starts when its live callback workflow hands it over.
      client.newUntypedWorkflowStub(LiveCallbackWorkflow.workflowId(id)).getResult(Void.class);
    }
    client.newUntypedWorkflowStub("delivery/process-" + id + "-result").getResult(Boolean.class);
    List<Delivery> results =
        platform.sent.stream().filter(d -> d.id().equals("process-" + id + "-result")).toList();
    assertThat(results).hasSize(1);
    return results.get(0);
  }

  /**
   * The version of a delivery's body, which a trip through Temporal's JSON leaves as the smallest
   * number type.
   */
  private static long version(Delivery delivery) {
    return ((Number) delivery.body().get("version")).longValue();
  }

  private void vote(ProcessWorkflow workflow, int yes, int no) {
    platform.votes = Map.of("yes", yes, "no", no);
    workflow.platformUpdate(new PlatformHint("d-" + yes + "-" + no, "stance_created"));
  }

  @Test
  void everyChangeIsCalledBackInVersionOrderAndTheFinalComesLast() {
    ProcessWorkflow workflow = stub(1);
    WorkflowClient.start(workflow::run, start(1, Duration.ofDays(7), true));
    until(() -> platform.updates.size() == 1);
    for (int yes = 1; yes <= 3; yes++) {
      vote(workflow, yes, 0);
      int expected = yes + 1;
      until(() -> platform.updates.size() == expected);
    }
    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(platform.updateVersions()).containsExactly(1L, 2L, 3L, 4L);
    for (int i = 0; i < 4; i++) {
      Map<String, Object> update = platform.updates.get(i);
      assertThat(update)
          .containsEntry("status", "pending")
          .containsEntry("final", false)
          .containsEntry("id", 1L);
      assertThat(update.get("outcome"))
          .isEqualTo(
              Map.of(
                  "poll_url", "https://loomio.test/p/abc123", "votes", Map.of("yes", i, "no", 0)));
    }
    Delivery last = finalCallback(1);
    assertThat(result.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(last.body()).containsEntry("status", "completed").containsEntry("final", true);
    assertThat(version(last)).isEqualTo(5);
    assertThat(last.url()).isEqualTo(CALLBACK);
    WorkflowStub stream = client.newUntypedWorkflowStub(LiveCallbackWorkflow.workflowId(1));
    stream.getResult(Void.class);
  }

  /** An announcement that cannot reach Temporal for a while is retried, never fatal. */
  @Test
  void announcementsThatFailForAWhileStillReachTheDriverInOrder() {
    platform.announceFailuresLeft.set(40);
    ProcessWorkflow workflow = stub(5);
    WorkflowClient.start(workflow::run, start(5, Duration.ofDays(7), true));
    until(() -> platform.updates.size() == 1);
    vote(workflow, 1, 0);
    until(() -> platform.updates.size() == 2);
    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(platform.announceFailuresLeft.get()).isNegative();
    assertThat(platform.updateVersions()).containsExactly(1L, 2L);
    assertThat(finalCallback(5).body()).containsEntry("final", true);
  }

  @Test
  void aProcessWithoutLiveCallbacksSendsOnlyItsResultAsBefore() {
    ProcessWorkflow workflow = stub(2);
    WorkflowClient.start(workflow::run, start(2, Duration.ofDays(7), false));
    env.sleep(Duration.ofMinutes(1));
    vote(workflow, 2, 1);
    env.sleep(Duration.ofMinutes(1));
    WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    Delivery last = finalCallback(2);
    assertThat(platform.updateAttempts.get()).isZero();
    assertThat(last.body())
        .containsOnlyKeys("id", "name", "community", "status", "url", "errors", "outcome");
    assertThatThrownBy(
            () -> client.newUntypedWorkflowStub(LiveCallbackWorkflow.workflowId(2)).describe())
        .as("no live callback workflow")
        .isInstanceOf(io.temporal.client.WorkflowNotFoundException.class);
  }

  @Test
  void changesPilingUpWhileTheDriverFailsAreCoalescedNeverReorderedAndTheFinalIsStillSent() {
    ProcessWorkflow workflow = stub(3);
    WorkflowClient.start(workflow::run, start(3, Duration.ofDays(7), true));
    until(() -> platform.updates.size() == 1);
    platform.updateFailuresLeft.set(6);
    for (int yes = 1; yes <= 4; yes++) {
      vote(workflow, yes, 0);
      env.sleep(Duration.ofSeconds(1));
    }
    until(() -> platform.updateFailuresLeft.get() < 0 && platform.updateVersions().contains(5L));
    vote(workflow, 5, 0);
    until(() -> platform.updateVersions().contains(6L));
    platform.updateFailuresLeft.set(Integer.MAX_VALUE);
    vote(workflow, 6, 0);
    env.sleep(Duration.ofMinutes(5));
    workflow.close();

    List<Long> versions = platform.updateVersions();
    assertThat(versions).first().isEqualTo(1L);
    assertThat(versions).isSorted().doesNotHaveDuplicates().contains(5L, 6L).doesNotContain(7L);
    assertThat(versions.size()).as("the changes that piled up were coalesced").isLessThan(6);
    Delivery last = finalCallback(3);
    assertThat(last.body()).containsEntry("final", true).containsEntry("status", "completed");
    assertThat(version(last)).isEqualTo(8);
  }

  @Test
  @org.junit.jupiter.api.Timeout(180)
  void aRestartedWorkerCarriesOnInVersionOrder() {
    ProcessWorkflow workflow = stub(4);
    WorkflowClient.start(workflow::run, start(4, Duration.ofDays(7), true));
    until(() -> platform.updates.size() == 1);
    platform.updateFailuresLeft.set(Integer.MAX_VALUE);
    vote(workflow, 1, 0);
    vote(workflow, 2, 0);
    env.sleep(Duration.ofMinutes(1));

    // A new worker, with nothing cached, picks up the workflows from their histories.
    workers.shutdownNow();
    workers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
    workers = WorkerFactory.newInstance(client, FACTORY);
    register(workers.newWorker(ProcessWorkflowTest.QUEUE, WORKER));
    workers.start();
    {
      vote(workflow, 3, 0);
      env.sleep(Duration.ofMinutes(1));
      platform.updateFailuresLeft.set(0);
      long newest = platform.lastProjection().version();
      until(() -> platform.updateVersions().contains(newest));
      workflow.close();
      Delivery last = finalCallback(4);
      // The hints of votes 1 and 2 may share one platform read, so only the newest version is known
      // in advance.
      assertThat(newest).isGreaterThan(2);
      assertThat(platform.updateVersions()).containsExactly(1L, newest);
      assertThat(platform.updates.get(1).get("outcome"))
          .isEqualTo(
              Map.of(
                  "poll_url", "https://loomio.test/p/abc123", "votes", Map.of("yes", 3, "no", 0)));
      assertThat(last.body()).containsEntry("final", true);
      assertThat(version(last)).isEqualTo(newest + 1);
      assertThat(
              client
                  .newUntypedWorkflowStub(LiveCallbackWorkflow.workflowId(4))
                  .describe()
                  .getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    }
  }
}

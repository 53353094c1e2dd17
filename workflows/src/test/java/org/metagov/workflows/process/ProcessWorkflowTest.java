package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.enums.v1.EventType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.workflows.RetryBudget;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflowImpl;

/** The process workflow on the Temporal test server, with time skipping for week-long votes. */
class ProcessWorkflowTest {

  static final String QUEUE = "test-processes";
  static final DeliveryPolicy DELIVERY =
      new DeliveryPolicy(Duration.ofDays(4).toSeconds(), Duration.ofHours(1).toSeconds());

  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakePlatform platform;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(
        ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class);
    platform = new FakePlatform();
    worker.registerActivitiesImplementations(platform);
    env.start();
    client = env.getWorkflowClient();
    platform.client = client;
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  ProcessStart start(long id, Duration closesIn, String callbackUrl, long reconcileSeconds) {
    long closingAt = closesIn == null ? 0 : env.currentTimeMillis() + closesIn.toMillis();
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", "Adopt X", "options", java.util.List.of("yes", "no")),
        closingAt,
        callbackUrl,
        false,
        reconcileSeconds,
        false,
        DELIVERY,
        null,
        null);
  }

  ProcessWorkflow stub(long id) {
    return client.newWorkflowStub(
        ProcessWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(ProcessWorkflow.workflowId("c1", "loomio.poll", id))
            .setTaskQueue(QUEUE)
            .build());
  }

  @Test
  void platformCallsHeartbeatWithinARequestTimeoutAndAMarginWhenTheStartSaysHowLongARequestTakes() {
    ProcessWorkflow timed = stub(71);
    ProcessStart withTimeouts = start(71, Duration.ofDays(1), null, 0);
    withTimeouts =
        new ProcessStart(
            withTimeouts.id(),
            withTimeouts.community(),
            withTimeouts.plugin(),
            withTimeouts.process(),
            withTimeouts.parameters(),
            withTimeouts.closingAtMillis(),
            null,
            false,
            0,
            false,
            DELIVERY,
            new PlatformCallTimeouts(Duration.ofSeconds(20).toMillis()),
            null);
    WorkflowClient.start(timed::run, withTimeouts);
    ProcessWorkflow untimed = stub(72);
    WorkflowClient.start(untimed::run, start(72, Duration.ofDays(1), null, 0));
    WorkflowStub.fromTyped(timed).getResult(ProcessRecord.class);
    WorkflowStub.fromTyped(untimed).getResult(ProcessRecord.class);

    assertThat(scheduledPlatformCalls(ProcessWorkflow.workflowId("c1", "loomio.poll", 71)))
        .as("start and close")
        .hasSize(2)
        .allSatisfy(
            scheduled -> assertThat(scheduled.getHeartbeatTimeout().getSeconds()).isEqualTo(25));
    assertThat(scheduledPlatformCalls(ProcessWorkflow.workflowId("c1", "loomio.poll", 72)))
        .as("a start recorded before the timeouts were passed heartbeats never")
        .hasSize(2)
        .allSatisfy(scheduled -> assertThat(scheduled.getHeartbeatTimeout().getSeconds()).isZero());
  }

  private java.util.List<io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes>
      scheduledPlatformCalls(String workflowId) {
    return client.fetchHistory(workflowId).getEvents().stream()
        .filter(io.temporal.api.history.v1.HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(io.temporal.api.history.v1.HistoryEvent::getActivityTaskScheduledEventAttributes)
        .filter(
            scheduled ->
                java.util.Set.of("Start", "Close").contains(scheduled.getActivityType().getName()))
        .toList();
  }

  @Test
  void aFourteenDayPollCompletesAtItsDeadlineAndItsResultIsDeliveredOnce() {
    ProcessWorkflow workflow = stub(1);
    WorkflowClient.start(
        workflow::run, start(1, Duration.ofDays(14), "http://127.0.0.1:9/cb", 3600));
    platform.votes = Map.of("yes", 3, "no", 1);

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(result.outcome()).containsEntry("votes", Map.of("yes", 3, "no", 1));
    assertThat(platform.closes.get()).isEqualTo(1);
    // Hourly reconciliation over 14 days ran hundreds of reads across continued runs.
    assertThat(platform.refreshes.get()).isGreaterThan(300);
    assertThat(platform.starts.get()).isEqualTo(1);
    assertThat(platform.lastProjection().record().status()).isEqualTo(ProcessStatus.COMPLETED);
    awaitDelivery();
    assertThat(platform.sent).hasSize(1);
    assertThat(platform.sent.get(0).id()).isEqualTo("process-1-result");
    assertThat(platform.sent.get(0).body()).containsEntry("status", "completed");
  }

  @Test
  void aWebhookHintMakesTheWorkflowReReadThePlatform() {
    ProcessWorkflow workflow = stub(2);
    WorkflowClient.start(workflow::run, start(2, Duration.ofDays(7), null, 0));
    env.sleep(Duration.ofMinutes(1));
    assertThat(platform.refreshes.get()).isZero();

    platform.votes = Map.of("yes", 1, "no", 0);
    workflow.platformUpdate(new PlatformHint("delivery-1", "stance_created"));
    env.sleep(Duration.ofSeconds(5));

    assertThat(platform.refreshes.get()).isEqualTo(1);
    assertThat(workflow.record().outcome()).containsEntry("votes", Map.of("yes", 1, "no", 0));
    assertThat(platform.lastProjection().record().outcome())
        .containsEntry("votes", Map.of("yes", 1, "no", 0));
  }

  @Test
  void aPollThePlatformClosedItselfCompletesAtTheNextReconciliation() {
    ProcessWorkflow workflow = stub(3);
    WorkflowClient.start(workflow::run, start(3, Duration.ofDays(7), null, 600));
    env.sleep(Duration.ofMinutes(5));
    platform.closedOnPlatform = true;

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(platform.closes.get()).isZero();
  }

  @Test
  void closingEarlyReturnsTheCompletedRecordAndASecondCloseIsRejected() {
    ProcessWorkflow workflow = stub(4);
    WorkflowClient.start(workflow::run, start(4, Duration.ofDays(7), null, 0));
    env.sleep(Duration.ofSeconds(1));

    ProcessRecord closed = workflow.close();

    assertThat(closed.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(platform.lastProjection().record().status()).isEqualTo(ProcessStatus.COMPLETED);
    // The workflow has ended (it had no callback to deliver), so the server refuses the update
    // outright.
    assertThatThrownBy(workflow::close)
        .isInstanceOfAny(
            WorkflowUpdateException.class, io.temporal.client.WorkflowNotFoundException.class);
  }

  @Test
  void aCloseThePlatformCannotPerformLeavesTheProcessPending() {
    ProcessWorkflow workflow = stub(5);
    WorkflowClient.start(workflow::run, start(5, Duration.ofDays(7), null, 0));
    env.sleep(Duration.ofSeconds(1));
    platform.closeFailuresLeft.set(10);

    assertThatThrownBy(workflow::close)
        .isInstanceOf(WorkflowUpdateException.class)
        .rootCause()
        .hasMessageContaining("The platform could not close the process: Discourse answered 502");
    assertThat(workflow.record().status()).isEqualTo(ProcessStatus.PENDING);

    platform.closeFailuresLeft.set(0);
    assertThat(workflow.close().status()).isEqualTo(ProcessStatus.COMPLETED);
  }

  @Test
  void twoDriversClosingAtOnceBothHearThatThePlatformFailed() throws Exception {
    ProcessWorkflow workflow = stub(13);
    WorkflowClient.start(workflow::run, start(13, Duration.ofDays(7), null, 0));
    env.sleep(Duration.ofSeconds(1));
    platform.closeFailuresLeft.set(100);

    var first = java.util.concurrent.CompletableFuture.runAsync(workflow::close);
    var second = java.util.concurrent.CompletableFuture.runAsync(workflow::close);

    for (var close : java.util.List.of(first, second)) {
      assertThatThrownBy(() -> close.get(60, java.util.concurrent.TimeUnit.SECONDS))
          .hasCauseInstanceOf(WorkflowUpdateException.class);
    }
    assertThat(workflow.record().status()).isEqualTo(ProcessStatus.PENDING);
  }

  @Test
  void aPlatformOutageAtStartIsRetriedUntilThePlatformRecovers() {
    platform.startFailuresLeft.set(4);
    ProcessWorkflow workflow = stub(6);
    WorkflowClient.start(workflow::run, start(6, Duration.ofDays(1), null, 0));
    env.sleep(Duration.ofMinutes(10));

    assertThat(platform.starts.get()).isEqualTo(5);
    assertThat(workflow.record().status()).isEqualTo(ProcessStatus.PENDING);
  }

  @Test
  void aPlatformThatNeverRecoversFailsTheProcessOnceADayOfRetriesIsSpent() {
    platform.startFailuresLeft.set(Integer.MAX_VALUE);
    ProcessWorkflow workflow = stub(61);
    WorkflowClient.start(workflow::run, start(61, Duration.ofDays(14), null, 0));

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.FAILED);
    assertThat(result.errors()).containsKey("start");
    // A day of pauses of 2 s, 4 s, ... up to 10 minutes; the count, not only the test server's
    // schedule-to-close check (skipped on whole-second deadlines), ends the retries.
    assertThat(platform.starts.get())
        .isEqualTo(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(2), 2.0, Duration.ofMinutes(10), Duration.ofDays(1)))
        .isEqualTo(152);
  }

  @Test
  void aPlatformThatRejectsTheProcessEndsItAsFailedWithTheReason() {
    platform.rejectStart = true;
    ProcessWorkflow workflow = stub(7);
    WorkflowClient.start(workflow::run, start(7, Duration.ofDays(1), "http://127.0.0.1:9/cb", 0));

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.FAILED);
    assertThat(result.errors())
        .containsEntry("start", "Loomio answered 422: closing_at must be in the future");
    assertThat(platform.starts.get()).isEqualTo(1);
    awaitDelivery();
    assertThat(platform.sent.get(0).body()).containsEntry("status", "failed");
  }

  @Test
  void aPollDeletedOnThePlatformEndsAsFailed() {
    ProcessWorkflow workflow = stub(8);
    WorkflowClient.start(workflow::run, start(8, Duration.ofDays(7), null, 300));
    env.sleep(Duration.ofMinutes(1));
    platform.rejectRefresh = true;

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.FAILED);
    assertThat(result.errors()).containsKey("refresh");
  }

  @Test
  void refusedCredentialsDoNotEndAnOpenProcess() {
    ProcessWorkflow workflow = stub(12);
    WorkflowClient.start(workflow::run, start(12, Duration.ofDays(2), null, 3600));
    env.sleep(Duration.ofMinutes(1));
    platform.refuseCredentials = true;
    env.sleep(Duration.ofHours(5));

    assertThat(platform.refreshes.get()).isBetween(5, 6);
    assertThat(workflow.record().status())
        .as("the Driver can still mend the api_key")
        .isEqualTo(ProcessStatus.PENDING);

    platform.refuseCredentials = false;
    assertThat(WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class).status())
        .isEqualTo(ProcessStatus.COMPLETED);
  }

  @Test
  void aDriverThatIsDownForADayStillGetsTheResultWithTheSameWebhookId() {
    platform.deliveryFailuresLeft.set(25);
    ProcessWorkflow workflow = stub(9);
    WorkflowClient.start(workflow::run, start(9, Duration.ofHours(1), "http://127.0.0.1:9/cb", 0));
    WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    awaitDelivery();

    assertThat(platform.sendAttempts.get()).isEqualTo(26);
    assertThat(platform.sent).hasSize(1);
    assertThat(platform.finished).containsExactly("process-9-result:delivered");
  }

  @Test
  void aDeliveryThatNeverSucceedsIsDeadLetteredAfterTheLimit() {
    platform.deliveryFailuresLeft.set(Integer.MAX_VALUE);
    ProcessWorkflow workflow = stub(10);
    WorkflowClient.start(
        workflow::run, start(10, Duration.ofMinutes(1), "http://127.0.0.1:9/cb", 0));
    WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    WorkflowStub delivery = client.newUntypedWorkflowStub("delivery/process-10-result");
    assertThat(delivery.getResult(Boolean.class)).isFalse();
    assertThat(platform.finished).containsExactly("process-10-result:dead");
    assertThat(platform.sent).isEmpty();
  }

  @Test
  void theHistoryStaysShortBecauseLongVotesContinueAsNew() {
    ProcessWorkflow workflow = stub(11);
    WorkflowClient.start(workflow::run, start(11, Duration.ofDays(30), null, 1800));
    WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    var history = client.fetchHistory(ProcessWorkflow.workflowId("c1", "loomio.poll", 11));
    assertThat(history.getHistory().getEventsCount())
        .isLessThan(ProcessWorkflowImpl.HISTORY_EVENTS_BEFORE_CONTINUE + 100);
    assertThat(platform.refreshes.get()).isGreaterThan(1_400);
    assertThat(history.getEvents().get(0).getEventType())
        .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    assertThat(
            history
                .getEvents()
                .get(0)
                .getWorkflowExecutionStartedEventAttributes()
                .getContinuedExecutionRunId())
        .isNotEmpty();
  }

  /**
   * Under pool starvation every projection write failed for minutes. A local activity with
   * unlimited attempts and no schedule-to-close timeout is not retried at all by the SDK, so the
   * first failed write used to fail the whole process.
   */
  @Test
  void projectionWritesThatFailForAWhileNeitherFailNorLoseTheProcess() {
    platform.projectRefusalsLeft.set(3);
    platform.projectFailuresLeft.set(40);
    ProcessWorkflow workflow = stub(30);
    WorkflowClient.start(
        workflow::run, start(30, Duration.ofDays(2), "http://127.0.0.1:9/cb", 3600));
    platform.votes = Map.of("yes", 2, "no", 1);

    ProcessRecord result = WorkflowStub.fromTyped(workflow).getResult(ProcessRecord.class);

    assertThat(result.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(platform.projectAttempts.get()).isGreaterThan(43);
    // The failures outlasted the local activity's own retry window, so the workflow's loop ran:
    // it paused before trying again.
    io.temporal.common.WorkflowExecutionHistory history =
        client.fetchHistory(ProcessWorkflow.workflowId("c1", "loomio.poll", 30));
    assertThat(
            history.getEvents().stream()
                .filter(io.temporal.api.history.v1.HistoryEvent::hasTimerStartedEventAttributes)
                .map(e -> e.getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds()))
        .contains(ProcessWorkflowImpl.BOOKKEEPING_PAUSE.toSeconds());
    assertThat(versionMarkers(history))
        .as("a run started today asks about every change with one marker")
        .containsExactly(ProcessWorkflowImpl.ALL_CHANGES_CHANGE);
    assertThat(platform.projections).isNotEmpty();
    assertThat(platform.lastProjection().record().status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(platform.lastProjection().record().outcome())
        .containsEntry("votes", Map.of("yes", 2, "no", 1));
    awaitDelivery();
    assertThat(platform.sent).hasSize(1);
  }

  /** The change ids of the {@code Workflow.getVersion} markers in a history. */
  static java.util.List<String> versionMarkers(
      io.temporal.common.WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(io.temporal.api.history.v1.HistoryEvent::hasMarkerRecordedEventAttributes)
        .map(io.temporal.api.history.v1.HistoryEvent::getMarkerRecordedEventAttributes)
        .filter(marker -> marker.getMarkerName().equals("Version"))
        .map(
            marker ->
                io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayloads(
                    0,
                    java.util.Optional.of(marker.getDetailsOrThrow("changeId")),
                    String.class,
                    String.class))
        .toList();
  }

  private void awaitDelivery() {
    WorkflowStub delivery =
        client.newUntypedWorkflowStub(
            "delivery/" + "process-" + platform.lastProjection().record().id() + "-result");
    delivery.getResult(Boolean.class);
  }
}

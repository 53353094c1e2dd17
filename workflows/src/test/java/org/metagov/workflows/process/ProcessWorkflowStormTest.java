package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.metagov.workflows.Replays;
import org.metagov.workflows.delivery.DeliveryWorkflowImpl;

/**
 * A storm of webhook hints must not keep a process from continuing as new: every run's history
 * stays bounded while thousands of hints arrive, and the last of them is still honoured.
 *
 * <p>The storm: every read of the (slow) platform brings the next burst of webhooks, so hints are
 * pending whenever a refresh ends. Between bursts the forum is quiet. That quiet matters: the
 * server refuses to end a run while new signals wait, so no workflow code can continue as new under
 * a storm without any pause; what it can do is continue in a task that does no I/O, which fits in
 * the pauses. A run that refreshes before continuing lets the next burst in during its own read.
 */
class ProcessWorkflowStormTest {

  static final int HINTS = 5_000;
  static final int BURST = 50;
  static final long READ_MILLIS = 20;

  /**
   * No run may grow much past the point where it decides to continue: the decision is taken at the
   * first wake after {@link ProcessWorkflowImpl#HISTORY_EVENTS_BEFORE_CONTINUE} events, and a burst
   * that is still arriving then only adds its own hints and a few refused workflow tasks.
   */
  static final int MAX_EVENTS_PER_RUN = ProcessWorkflowImpl.HISTORY_EVENTS_BEFORE_CONTINUE + 500;

  final Semaphore reads = new Semaphore(0);
  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakePlatform platform;

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(ProcessWorkflowTest.QUEUE);
    worker.registerWorkflowImplementationTypes(
        ProcessWorkflowImpl.class, DeliveryWorkflowImpl.class);
    platform =
        new FakePlatform() {
          @Override
          public PlatformSnapshot refresh(PlatformCall call) {
            reads.release();
            try {
              Thread.sleep(READ_MILLIS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.refresh(call);
          }
        };
    worker.registerActivitiesImplementations(platform);
    env.start();
    client = env.getWorkflowClient();
    platform.client = client;
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void aStormOfHintsContinuesAsNewAndTheLastHintIsHonoured() throws Exception {
    long began = System.nanoTime();
    String workflowId = ProcessWorkflow.workflowId("c1", "loomio.poll", 21);
    ProcessWorkflow starter =
        client.newWorkflowStub(
            ProcessWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(ProcessWorkflowTest.QUEUE)
                .build());
    WorkflowExecution first = WorkflowClient.start(starter::run, start(21, null));
    // Signals and the close go to whichever run is current, as a webhook and a DELETE do in
    // production.
    ProcessWorkflow process = client.newWorkflowStub(ProcessWorkflow.class, workflowId);

    int sent = 0;
    while (sent < HINTS) {
      int burstEnd = Math.min(HINTS, sent + BURST);
      while (sent < burstEnd) {
        sent++;
        platform.votes = Map.of("yes", sent, "no", 0);
        process.platformUpdate(new PlatformHint("delivery-" + sent, "stance_created"));
      }
      assertThat(reads.tryAcquire(30, TimeUnit.SECONDS))
          .as("the platform is read after %d hints", sent)
          .isTrue();
      reads.drainPermits();
    }
    long stormMillis = (System.nanoTime() - began) / 1_000_000;
    Map<String, Object> finalTally = Map.of("yes", HINTS, "no", 0);
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!finalTally.equals(process.record().outcome().get("votes"))
        && System.nanoTime() < waitUntil) {
      Thread.sleep(50);
    }
    assertThat(process.record().outcome())
        .as("the last hint was honoured without a reconciliation")
        .containsEntry("votes", finalTally);
    assertThat(platform.lastProjection().record().outcome()).containsEntry("votes", finalTally);

    ProcessRecord closed = process.close();
    ProcessRecord result = WorkflowStub.fromTyped(process).getResult(ProcessRecord.class);

    assertThat(closed.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(result).isEqualTo(closed);
    assertThat(result.outcome()).containsEntry("votes", finalTally);
    List<Integer> eventsPerRun = new ArrayList<>();
    int refusedEnds = 0;
    String runId = first.getRunId();
    while (runId != null) {
      WorkflowExecutionHistory history = client.fetchHistory(workflowId, runId);
      List<HistoryEvent> events = history.getEvents();
      eventsPerRun.add(events.size());
      Replays.replay(history, ProcessWorkflowImpl.class);
      refusedEnds +=
          (int)
              events.stream()
                  .filter(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)
                  .count();
      HistoryEvent last = events.get(events.size() - 1);
      runId =
          last.getEventType() == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
              ? last.getWorkflowExecutionContinuedAsNewEventAttributes().getNewExecutionRunId()
              : null;
    }
    System.out.printf(
        "STORM: %d hints sent in %d ms; %d runs, events per run %s (max %d, bound %d); %d workflow tasks"
            + " refused; %d refreshes; %.1f s in all%n",
        HINTS,
        stormMillis,
        eventsPerRun.size(),
        eventsPerRun,
        eventsPerRun.stream().mapToInt(Integer::intValue).max().orElse(0),
        MAX_EVENTS_PER_RUN,
        refusedEnds,
        platform.refreshes.get(),
        (System.nanoTime() - began) / 1e9);

    assertThat(eventsPerRun)
        .as("events per run")
        .hasSizeGreaterThan(1)
        .allSatisfy(events -> assertThat(events).isLessThanOrEqualTo(MAX_EVENTS_PER_RUN));
    assertThat(platform.starts.get()).isEqualTo(1);
    assertThat(platform.closes.get()).isEqualTo(1);
  }

  @Test
  void aRunHandedARefreshReReadsThePlatformBeforeWaiting() {
    String workflowId = ProcessWorkflow.workflowId("c1", "loomio.poll", 22);
    ProcessWorkflow process =
        client.newWorkflowStub(
            ProcessWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(ProcessWorkflowTest.QUEUE)
                .build());
    ProcessState carried =
        new ProcessState(
                ProcessStatus.PENDING,
                "https://loomio.test/p/abc123",
                Map.of("votes", Map.of("yes", 0, "no", 0)),
                Map.of(),
                Map.of("poll_key", "abc123"),
                List.of("poll:abc123"),
                4,
                false)
            .owingRefresh();
    platform.votes = Map.of("yes", 7, "no", 2);

    WorkflowClient.start(process::run, start(22, carried));
    env.sleep(Duration.ofSeconds(5));

    assertThat(platform.refreshes.get()).isEqualTo(1);
    assertThat(process.record().outcome()).containsEntry("votes", Map.of("yes", 7, "no", 2));
    assertThat(platform.lastProjection().version()).isEqualTo(5);
  }

  /** A week-long poll without reconciliation: only hints make it re-read the platform. */
  private ProcessStart start(long id, ProcessState carried) {
    return new ProcessStart(
        id,
        "c1",
        "loomio",
        "poll",
        Map.of("title", "Adopt X", "options", List.of("yes", "no")),
        env.currentTimeMillis() + Duration.ofDays(7).toMillis(),
        null,
        false,
        0,
        false,
        ProcessWorkflowTest.DELIVERY,
        null,
        carried);
  }
}

package org.metagov.workflows.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.metagov.workflows.delivery.EventOutboxWorkflowTest.awaitTrue;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.metagov.workflows.Replays;
import org.metagov.workflows.delivery.EventOutboxWorkflow.OutboxState;
import org.metagov.workflows.delivery.EventOutboxWorkflowTest.FakeOutbox;

/**
 * Replays recorded event-outbox histories against the current {@link EventOutboxWorkflowImpl}, so a
 * change to it must stay replay-compatible with runs already in flight. Record with {@code mvn -pl
 * workflows test -Dtest=EventOutboxWorkflowReplayTest -Dmetagov.recordHistories=true}.
 */
class EventOutboxWorkflowReplayTest {

  static final String[] HISTORIES = {
    "event-outbox-v0-blocked-then-drained.json",
    "event-outbox-v0-continued-during-backoff-run1.json",
    "event-outbox-v0-continued-during-backoff-run2.json",
    "event-outbox-v0-activity-failed-then-paused.json",
  };

  static String[] histories() {
    return HISTORIES;
  }

  @ParameterizedTest
  @MethodSource("histories")
  void eventOutboxHistoriesReplay(String file) throws Exception {
    Replays.replay(read(file), EventOutboxWorkflowImpl.class);
  }

  /**
   * The recordings still show what they are named for, so a re-recording cannot quietly lose a
   * path.
   */
  @Test
  void theRecordingsCoverTheirPaths() throws Exception {
    List<HistoryEvent> blocked = WorkflowExecutionHistory.fromJson(read(HISTORIES[0])).getEvents();
    assertThat(count(blocked, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED))
        .isGreaterThanOrEqualTo(3);
    assertThat(count(blocked, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).isGreaterThan(1);
    assertThat(last(blocked)).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);

    List<HistoryEvent> run1 = WorkflowExecutionHistory.fromJson(read(HISTORIES[1])).getEvents();
    assertThat(last(run1)).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    List<HistoryEvent> run2 = WorkflowExecutionHistory.fromJson(read(HISTORIES[2])).getEvents();
    assertThat(
            run2.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId())
        .isNotEmpty();
    // The second run starts by waiting out the rest of the backoff it was handed.
    assertThat(
            run2.stream()
                .filter(
                    e ->
                        e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED
                            || e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .findFirst()
                .orElseThrow()
                .getEventType())
        .isEqualTo(EventType.EVENT_TYPE_TIMER_STARTED);
    assertThat(last(run2)).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);

    List<HistoryEvent> failed = WorkflowExecutionHistory.fromJson(read(HISTORIES[3])).getEvents();
    assertThat(count(failed, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)).isGreaterThanOrEqualTo(1);
    assertThat(last(failed)).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
  }

  private static long count(List<HistoryEvent> events, EventType type) {
    return events.stream().filter(e -> e.getEventType() == type).count();
  }

  private static EventType last(List<HistoryEvent> events) {
    return events.get(events.size() - 1).getEventType();
  }

  private String read(String file) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/histories/" + file)) {
      assertThat(in).as(file).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  @EnabledIfSystemProperty(named = "metagov.recordHistories", matches = "true")
  void recordHistories() throws IOException {
    recordBlockedThenDrained();
    recordContinuedDuringBackoff();
    recordActivityFailedThenPaused();
  }

  /**
   * The Driver fails twice (retry after 60 s), wake-ups arrive meanwhile, then both events go; idle
   * end.
   */
  private void recordBlockedThenDrained() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      FakeOutbox outbox = start(env);
      WorkflowClient client = env.getWorkflowClient();
      String id = EventOutboxWorkflow.workflowId("blocked");
      outbox.retryAfterSeconds = 60;
      outbox.queue.add("e1");
      outbox.queue.add("e2");
      wakeWithStart(client, "blocked");
      awaitTrue("the first drain", () -> outbox.calls() == 1);
      env.sleep(Duration.ofSeconds(5));
      wake(client, "blocked");
      wake(client, "blocked");
      env.sleep(Duration.ofSeconds(60));
      awaitTrue("the second drain", () -> outbox.calls() == 2);
      outbox.retryAfterSeconds = 0;
      env.sleep(Duration.ofSeconds(65));
      awaitTrue("both delivered", () -> outbox.delivered.size() == 2);
      outbox.queue.add("e3");
      wake(client, "blocked");
      awaitTrue("the third delivered", () -> outbox.delivered.size() == 3);
      client.newUntypedWorkflowStub(id).getResult(Void.class);
      write(client.fetchHistory(id), "event-outbox-v0-blocked-then-drained");
    }
  }

  /**
   * Wake-ups during a long backoff push the history past its limit: the run hands the backoff to
   * the next.
   */
  private void recordContinuedDuringBackoff() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      FakeOutbox outbox = start(env);
      WorkflowClient client = env.getWorkflowClient();
      String id = EventOutboxWorkflow.workflowId("long");
      outbox.retryAfterSeconds = 600;
      outbox.queue.add("e1");
      wakeWithStart(client, "long");
      awaitTrue("the first drain", () -> outbox.calls() == 1);
      String firstRun = client.newUntypedWorkflowStub(id).describe().getExecution().getRunId();
      EventOutboxWorkflow workflow = client.newWorkflowStub(EventOutboxWorkflow.class, id);
      while (client
          .newUntypedWorkflowStub(id)
          .describe()
          .getExecution()
          .getRunId()
          .equals(firstRun)) {
        for (int i = 0; i < 20; i++) {
          try {
            workflow.wake();
          } catch (WorkflowNotFoundException continuing) {
            // the test server, while the run continues as new
          }
        }
        env.sleep(Duration.ofMillis(200));
      }
      outbox.retryAfterSeconds = 0;
      client.newUntypedWorkflowStub(id).getResult(Void.class);
      assertThat(outbox.delivered).containsExactly("e1");
      WorkflowExecutionHistory second = client.fetchHistory(id);
      String previous =
          second
              .getEvents()
              .get(0)
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      assertThat(previous).isEqualTo(firstRun);
      write(client.fetchHistory(id, firstRun), "event-outbox-v0-continued-during-backoff-run1");
      write(second, "event-outbox-v0-continued-during-backoff-run2");
    }
  }

  /** The activity fails (PostgreSQL down): the workflow pauses 30 s and drains again. */
  private void recordActivityFailedThenPaused() throws IOException {
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      FakeOutbox outbox = start(env);
      WorkflowClient client = env.getWorkflowClient();
      String id = EventOutboxWorkflow.workflowId("failing");
      outbox.failNonRetryable = true;
      outbox.failuresLeft.set(1);
      outbox.queue.add("e1");
      wakeWithStart(client, "failing");
      client.newUntypedWorkflowStub(id).getResult(Void.class);
      assertThat(outbox.delivered).containsExactly("e1");
      write(client.fetchHistory(id), "event-outbox-v0-activity-failed-then-paused");
    }
  }

  private static FakeOutbox start(TestWorkflowEnvironment env) {
    Worker worker = env.newWorker(EventOutboxWorkflowTest.QUEUE);
    worker.registerWorkflowImplementationTypes(EventOutboxWorkflowImpl.class);
    FakeOutbox outbox = new FakeOutbox(env::currentTimeMillis, null);
    worker.registerActivitiesImplementations(outbox);
    env.start();
    return outbox;
  }

  private static void wakeWithStart(WorkflowClient client, String community) {
    EventOutboxWorkflow workflow =
        client.newWorkflowStub(
            EventOutboxWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(EventOutboxWorkflow.workflowId(community))
                .setTaskQueue(EventOutboxWorkflowTest.QUEUE)
                .build());
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(workflow::drain, new OutboxState(community, 0));
    request.add(workflow::wake);
    client.signalWithStart(request);
  }

  private static void wake(WorkflowClient client, String community) {
    client
        .newWorkflowStub(EventOutboxWorkflow.class, EventOutboxWorkflow.workflowId(community))
        .wake();
  }

  private static void write(WorkflowExecutionHistory history, String name) throws IOException {
    Files.writeString(
        Path.of("src/test/resources/histories/" + name + ".json"), history.toJson(true));
  }
}

package org.metagov.workflows.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.workflows.RetryBudget;
import org.metagov.workflows.delivery.EventOutboxWorkflow.OutboxState;

/**
 * The per-community event outbox workflow against a fake activity that keeps its queue in memory:
 * order, the backoff that wake-ups do not cut short, a history that stays bounded under a flood of
 * wake-ups, the idle end, and an activity that cannot run at all.
 *
 * <p>Time skipping in the test environment only runs while the test sleeps ({@code env.sleep}) or
 * waits for a result; while the test polls, workflow time follows the wall clock. The polls have
 * generous deadlines and the assertions count calls and compare workflow times, never wall-clock
 * durations.
 */
class EventOutboxWorkflowTest {

  static final String QUEUE = "test-event-outbox";
  static final String COMMUNITY = "c1";
  static final String WORKFLOW_ID = EventOutboxWorkflow.workflowId(COMMUNITY);

  TestWorkflowEnvironment env;
  WorkflowClient client;
  FakeOutbox outbox;

  /** The outbox in memory; the Driver is "down" while {@link #retryAfterSeconds} is positive. */
  static final class FakeOutbox implements EventOutboxActivities {
    final LongSupplier clock;
    final ConcurrentLinkedDeque<String> queue = new ConcurrentLinkedDeque<>();
    final List<String> delivered = new CopyOnWriteArrayList<>();

    /** Workflow-environment time of each call, in millis. */
    final List<Long> callTimes = new CopyOnWriteArrayList<>();

    /** How many events each call delivered. */
    final List<Integer> batches = new CopyOnWriteArrayList<>();

    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile boolean failNonRetryable;
    volatile long retryAfterSeconds;
    volatile int batchLimit = Integer.MAX_VALUE;

    final String community;

    /**
     * @param community the community every call must be for, or null for any
     */
    FakeOutbox(LongSupplier clock, String community) {
      this.clock = clock;
      this.community = community;
    }

    @Override
    public OutboxDrain deliverQueued(String community) {
      if (this.community != null && !this.community.equals(community)) {
        throw new IllegalArgumentException("a drain for " + community);
      }
      callTimes.add(clock.getAsLong());
      if (failuresLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        if (failNonRetryable) {
          throw ApplicationFailure.newNonRetryableFailure("PostgreSQL is down", "StoreDown");
        }
        throw new IllegalStateException("PostgreSQL is down");
      }
      if (queue.isEmpty()) {
        batches.add(0);
        return new OutboxDrain(0, 0, 0, false);
      }
      long retryAfter = retryAfterSeconds;
      if (retryAfter > 0) {
        batches.add(0);
        return new OutboxDrain(0, 0, retryAfter, false);
      }
      int sent = 0;
      String id;
      while (sent < batchLimit && (id = queue.poll()) != null) {
        delivered.add(id);
        sent++;
      }
      batches.add(sent);
      return new OutboxDrain(sent, 0, 0, !queue.isEmpty());
    }

    int calls() {
      return callTimes.size();
    }
  }

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    // A deadlock detector a loaded machine cannot trip (a tripped workflow task would only be
    // retried).
    Worker worker =
        env.newWorker(
            QUEUE,
            WorkerOptions.newBuilder()
                .setDefaultDeadlockDetectionTimeout(Duration.ofMinutes(1).toMillis())
                .build());
    worker.registerWorkflowImplementationTypes(EventOutboxWorkflowImpl.class);
    outbox = new FakeOutbox(env::currentTimeMillis, COMMUNITY);
    worker.registerActivitiesImplementations(outbox);
    env.start();
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  // ----------------------------------------------------------------------------------------------
  // a

  @Test
  void aWakeUpAfterEventsAreQueuedDeliversThemInOrderAndMoreLoopsWithoutAnotherWakeUp() {
    wakeWithStart();
    awaitTrue("the first drain", () -> outbox.calls() >= 1);
    awaitTrue("the workflow waiting for a wake-up", () -> waitingForWakeUp(WORKFLOW_ID));
    assertThat(outbox.calls()).as("an empty outbox is drained once").isEqualTo(1);

    outbox.batchLimit = 3;
    for (int i = 1; i <= 7; i++) {
      outbox.queue.add("e" + i);
    }
    wake();
    awaitTrue("seven events delivered", () -> outbox.delivered.size() == 7);
    awaitTrue("the workflow waiting for a wake-up again", () -> waitingForWakeUp(WORKFLOW_ID));

    assertThat(outbox.delivered).containsExactly("e1", "e2", "e3", "e4", "e5", "e6", "e7");
    // One wake-up, three drains: the two that said "more" were followed at once by another.
    assertThat(outbox.batches).containsExactly(0, 3, 3, 1);
    assertThat(signalCount(runs(WORKFLOW_ID))).isEqualTo(2);

    // A drain that left nothing behind is not repeated: the workflow waits, and ends after an idle
    // hour.
    result();
    assertThat(outbox.calls()).isEqualTo(4);
    assertThat(runs(WORKFLOW_ID)).hasSize(1);
  }

  // ----------------------------------------------------------------------------------------------
  // b

  @Test
  void aFailingDriverIsRetriedAfterTheBackoffHoweverManyWakeUpsArrive() {
    outbox.retryAfterSeconds = 60;
    outbox.queue.add("e1");
    wakeWithStart();

    for (int round = 1; round <= 3; round++) {
      int calls = round;
      awaitTrue("drain " + calls, () -> outbox.calls() == calls);
      awaitTrue("the backoff timer of drain " + calls, () -> pausing(WORKFLOW_ID));
      int before = signalCount(runs(WORKFLOW_ID));
      for (int i = 0; i < 100; i++) {
        wake();
      }
      awaitTrue(
          "100 wake-ups handled",
          () -> signalCount(runs(WORKFLOW_ID)) == before + 100 && pausing(WORKFLOW_ID));
      assertThat(outbox.calls())
          .as("wake-ups during a backoff do not cause a drain")
          .isEqualTo(calls);
      // Most of the backoff skipped: still no drain.
      long lastCall = outbox.callTimes.get(calls - 1);
      sleepUntil(lastCall + 55_000);
      assertThat(outbox.calls()).isEqualTo(calls);
      if (round == 3) {
        outbox.retryAfterSeconds = 0; // the Driver is back
      }
      sleepUntil(lastCall + 61_000);
    }
    awaitTrue("the event delivered", () -> outbox.delivered.size() == 1);

    assertThat(outbox.delivered).containsExactly("e1");
    assertThat(outbox.calls()).isEqualTo(4);
    for (int i = 1; i < outbox.callTimes.size(); i++) {
      assertThat(outbox.callTimes.get(i) - outbox.callTimes.get(i - 1))
          .as("time between drain %d and drain %d", i, i + 1)
          .isGreaterThanOrEqualTo(60_000);
    }
    assertThat(signalCount(runs(WORKFLOW_ID))).isEqualTo(1 + 300);
  }

  // ----------------------------------------------------------------------------------------------
  // c

  /**
   * 5,000 wake-ups while the Driver is down (each drain answers "try again in 1 s"). They come in
   * bursts of {@value #BURST}, each burst once the workflow has taken up the previous one: the api
   * module signals at most once per drain (the wake-up flag) plus its sweeper, so wake-ups never
   * outrun the workflow's tasks. (A flood faster than workflow tasks cannot be bounded by the
   * workflow: signals that arrive while the activity runs are recorded regardless, and
   * continue-as-new is refused while new signals keep arriving.)
   */
  @Test
  void thousandsOfWakeUpsWhileTheDriverIsDownKeepEachRunsHistoryBounded() {
    int signals = 5_000;
    outbox.retryAfterSeconds = 1;
    for (int i = 1; i <= 20; i++) {
      outbox.queue.add("e" + i);
    }
    long started = System.nanoTime();
    wakeWithStart();

    for (int sent = 0; sent < signals; sent += BURST) {
      awaitTrue("the workflow at rest", () -> pausing(WORKFLOW_ID));
      for (int i = 0; i < BURST; i++) {
        wake();
      }
    }
    int drainsWhileDown = outbox.calls();
    assertThat(outbox.delivered).as("nothing is delivered while the Driver is down").isEmpty();

    outbox.retryAfterSeconds = 0; // the Driver is back
    awaitTrue("all events delivered", () -> outbox.delivered.size() == 20);
    awaitTrue("the workflow waiting for a wake-up", () -> waitingForWakeUp(WORKFLOW_ID));
    Duration took = Duration.ofNanos(System.nanoTime() - started);

    List<WorkflowExecutionHistory> runs = runs(WORKFLOW_ID);
    int longest = runs.stream().mapToInt(run -> run.getEvents().size()).max().orElseThrow();
    System.out.printf(
        "event outbox: %d wake-ups, %d drains while down, %d runs, history lengths %s, %s%n",
        signals + 1,
        drainsWhileDown,
        runs.size(),
        runs.stream().map(run -> run.getEvents().size()).toList(),
        took);

    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      expected.add("e" + i);
    }
    assertThat(outbox.delivered).containsExactlyElementsOf(expected);
    assertThat(runs).as("runs of the workflow").hasSizeGreaterThan(1);
    assertThat(longest).as("the longest run's history").isLessThanOrEqualTo(1_100);
    assertThat(signalCount(runs)).as("wake-ups recorded across the runs").isEqualTo(signals + 1);
    for (WorkflowExecutionHistory run : runs.subList(0, runs.size() - 1)) {
      assertThat(run.getLastEvent().getEventType())
          .isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW);
    }
    // Runs that continued during the backoff carried its end: none drained early.
    for (int i = 1; i < outbox.callTimes.size() && i < drainsWhileDown; i++) {
      assertThat(outbox.callTimes.get(i) - outbox.callTimes.get(i - 1))
          .isGreaterThanOrEqualTo(1_000);
    }
    result();
  }

  static final int BURST = 50;

  // ----------------------------------------------------------------------------------------------
  // d

  @Test
  void anIdleOutboxEndsAfterAnIdleHour() {
    long start = env.currentTimeMillis();
    WorkflowClient.start(newWorkflow()::drain, new OutboxState(COMMUNITY, 0));
    awaitTrue("the first drain", () -> outbox.calls() == 1);

    env.sleep(EventOutboxWorkflowImpl.IDLE_BEFORE_END.minusMinutes(1));
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

    result();
    assertThat(env.currentTimeMillis() - start)
        .isGreaterThanOrEqualTo(EventOutboxWorkflowImpl.IDLE_BEFORE_END.toMillis());
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(outbox.calls()).isEqualTo(1);
    assertThat(runs(WORKFLOW_ID)).hasSize(1);
  }

  // ----------------------------------------------------------------------------------------------
  // e

  @Test
  void anActivityThatFailsIsTriedAgainAfterAPauseAndTheWorkflowDoesNotFail() {
    outbox.failNonRetryable = true;
    outbox.failuresLeft.set(3);
    outbox.queue.add("e1");
    wakeWithStart();

    awaitTrue("the first failed drain", () -> outbox.calls() == 1);
    awaitTrue("the pause after it", () -> pausing(WORKFLOW_ID));
    sleepUntil(
        outbox.callTimes.get(0)
            + EventOutboxWorkflowImpl.DRAIN_FAILURE_PAUSE.minusSeconds(5).toMillis());
    assertThat(outbox.calls()).as("no drain before the pause is over").isEqualTo(1);
    env.sleep(Duration.ofMinutes(5));
    awaitTrue("the event delivered", () -> outbox.delivered.size() == 1);

    assertThat(outbox.calls()).isEqualTo(4);
    for (int i = 1; i < outbox.callTimes.size(); i++) {
      assertThat(outbox.callTimes.get(i) - outbox.callTimes.get(i - 1))
          .isGreaterThanOrEqualTo(EventOutboxWorkflowImpl.DRAIN_FAILURE_PAUSE.toMillis());
    }
    assertThat(countEvents(runs(WORKFLOW_ID), EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED))
        .isEqualTo(3);
    result(); // ends normally after the idle hour, not failed
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
  }

  @Test
  void anActivityThatKeepsThrowingUntilItsRetriesAreSpentIsTriedAgainAfterAPause() {
    outbox.failuresLeft.set(Integer.MAX_VALUE);
    outbox.queue.add("e1");
    wakeWithStart();

    awaitTrue("the first failed attempt", () -> outbox.calls() >= 1);
    // The activity's own retries give up after its schedule-to-close timeout (10 minutes), or on
    // the count of attempts that fit in it (RetryBudget); the workflow then pauses and schedules a
    // new one.
    env.sleep(Duration.ofMinutes(12));
    awaitTrue(
        "a second activity scheduled",
        () -> countEvents(runs(WORKFLOW_ID), EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) >= 2);
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(
            runs(WORKFLOW_ID).stream()
                .flatMap(run -> run.getEvents().stream())
                .filter(
                    e ->
                        e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT
                            || (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED
                                && java.util.Set.of(
                                        RetryState.RETRY_STATE_TIMEOUT,
                                        RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED)
                                    .contains(
                                        e.getActivityTaskFailedEventAttributes().getRetryState()))))
        .as("the first activity gave up once its ten minutes of retries were spent")
        .isNotEmpty();
    assertThat(
            runs(WORKFLOW_ID).stream()
                .flatMap(run -> run.getEvents().stream())
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
                .findFirst()
                .orElseThrow()
                .getActivityTaskStartedEventAttributes()
                .getAttempt())
        .as("the first activity's last attempt")
        .isEqualTo(
            RetryBudget.attemptsWithin(
                Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30), Duration.ofMinutes(10)));
    assertThat(timerDurations(runs(WORKFLOW_ID)))
        .contains(EventOutboxWorkflowImpl.DRAIN_FAILURE_PAUSE);

    outbox.failuresLeft.set(0);
    env.sleep(Duration.ofMinutes(1));
    awaitTrue("the event delivered", () -> outbox.delivered.size() == 1);
    result();
    assertThat(status()).isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(outbox.delivered).containsExactly("e1");
  }

  // ----------------------------------------------------------------------------------------------
  // helpers

  EventOutboxWorkflow newWorkflow() {
    return client.newWorkflowStub(
        EventOutboxWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(WORKFLOW_ID).setTaskQueue(QUEUE).build());
  }

  /** As the api module wakes an outbox: signal-with-start. */
  void wakeWithStart() {
    EventOutboxWorkflow workflow = newWorkflow();
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(workflow::drain, new OutboxState(COMMUNITY, 0));
    request.add(workflow::wake);
    client.signalWithStart(request);
  }

  /** Skips workflow time up to the given instant (millis) unless it has passed. */
  void sleepUntil(long millis) {
    long left = millis - env.currentTimeMillis();
    if (left > 0) {
      env.sleep(Duration.ofMillis(left));
    }
  }

  /**
   * Signals the current run. The test server (unlike Temporal's) can answer "Completed workflow"
   * for a moment while a run continues as new; such a signal was not recorded, so it is sent again.
   */
  void wake() {
    EventOutboxWorkflow workflow = client.newWorkflowStub(EventOutboxWorkflow.class, WORKFLOW_ID);
    for (int attempt = 1; ; attempt++) {
      try {
        workflow.wake();
        return;
      } catch (WorkflowNotFoundException e) {
        if (attempt == 100) {
          throw e;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  void result() {
    client.newUntypedWorkflowStub(WORKFLOW_ID).getResult(Void.class);
  }

  WorkflowExecutionStatus status() {
    return client.newUntypedWorkflowStub(WORKFLOW_ID).describe().getStatus();
  }

  /** Every run of the workflow, oldest first, found by walking back from the latest. */
  List<WorkflowExecutionHistory> runs(String workflowId) {
    List<WorkflowExecutionHistory> runs = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String runId = client.newUntypedWorkflowStub(workflowId).describe().getExecution().getRunId();
    while (!runId.isEmpty()) {
      assertThat(seen.add(runId)).as("run %s seen twice", runId).isTrue();
      WorkflowExecutionHistory run = client.fetchHistory(workflowId, runId);
      runs.add(run);
      runId =
          run.getEvents()
              .get(0)
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
    }
    Collections.reverse(runs);
    return runs;
  }

  static int signalCount(List<WorkflowExecutionHistory> runs) {
    return countEvents(runs, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
  }

  static int countEvents(List<WorkflowExecutionHistory> runs, EventType type) {
    return (int)
        runs.stream()
            .flatMap(run -> run.getEvents().stream())
            .filter(e -> e.getEventType() == type)
            .count();
  }

  static List<Duration> timerDurations(List<WorkflowExecutionHistory> runs) {
    return runs.stream()
        .flatMap(run -> run.getEvents().stream())
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_TIMER_STARTED)
        .map(
            e -> {
              var timeout = e.getTimerStartedEventAttributes().getStartToFireTimeout();
              return Duration.ofSeconds(timeout.getSeconds(), timeout.getNanos());
            })
        .toList();
  }

  /**
   * Whether the latest run is at rest, every workflow task done and nothing else in flight, and has
   * a timer pending: it is waiting out a backoff or a pause (or, with no wake-up pending, the idle
   * hour).
   */
  boolean pausing(String workflowId) {
    List<HistoryEvent> events = client.fetchHistory(workflowId).getEvents();
    return atRest(events) && pendingTimers(events) > 0;
  }

  /**
   * Whether the latest run is at rest and its latest timer is an idle hour. (Workflow.await with a
   * timeout does not cancel its timer when the condition ends the wait, in SDK 1.38, so earlier
   * idle timers may still be pending.)
   */
  boolean waitingForWakeUp(String workflowId) {
    List<HistoryEvent> events = client.fetchHistory(workflowId).getEvents();
    if (!atRest(events) || pendingTimers(events) == 0) {
      return false;
    }
    Duration idle = EventOutboxWorkflowImpl.IDLE_BEFORE_END;
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).getEventType() == EventType.EVENT_TYPE_TIMER_STARTED) {
        return events.get(i).getTimerStartedEventAttributes().getStartToFireTimeout().getSeconds()
            == idle.toSeconds();
      }
    }
    return false;
  }

  /**
   * Every workflow task completed, nothing scheduled or signalled after the last, no activity in
   * flight.
   */
  static boolean atRest(List<HistoryEvent> events) {
    int lastCompleted = -1;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        lastCompleted = i;
      }
    }
    if (lastCompleted < 0) {
      return false;
    }
    for (HistoryEvent event : events.subList(lastCompleted + 1, events.size())) {
      if (event.getEventType() != EventType.EVENT_TYPE_TIMER_STARTED) {
        return false;
      }
    }
    Set<Long> activities = new HashSet<>();
    for (HistoryEvent event : events) {
      switch (event.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED -> activities.add(event.getEventId());
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED ->
            activities.remove(
                event.getActivityTaskCompletedEventAttributes().getScheduledEventId());
        case EVENT_TYPE_ACTIVITY_TASK_FAILED ->
            activities.remove(event.getActivityTaskFailedEventAttributes().getScheduledEventId());
        case EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT ->
            activities.remove(event.getActivityTaskTimedOutEventAttributes().getScheduledEventId());
        default -> {}
      }
    }
    return activities.isEmpty();
  }

  static int pendingTimers(List<HistoryEvent> events) {
    Set<String> timers = new HashSet<>();
    for (HistoryEvent event : events) {
      switch (event.getEventType()) {
        case EVENT_TYPE_TIMER_STARTED ->
            timers.add(event.getTimerStartedEventAttributes().getTimerId());
        case EVENT_TYPE_TIMER_FIRED ->
            timers.remove(event.getTimerFiredEventAttributes().getTimerId());
        case EVENT_TYPE_TIMER_CANCELED ->
            timers.remove(event.getTimerCanceledEventAttributes().getTimerId());
        default -> {}
      }
    }
    return timers.size();
  }

  /**
   * Polls the condition for up to 90 s. A condition that reads the history may meet a run that is
   * just continuing as new (the test server then answers "not found" for a moment): that counts as
   * not yet.
   */
  static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    RuntimeException last = null;
    while (true) {
      try {
        if (condition.getAsBoolean()) {
          return;
        }
      } catch (RuntimeException e) {
        last = e;
      }
      if (System.nanoTime() > deadline) {
        fail("timed out waiting for " + what, last);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }
}

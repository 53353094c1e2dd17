package org.metagov.workflows.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.RetryState;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One delivery's retries end with the attempts that fit in its give-up time. */
class DeliveryWorkflowTest {

  private static final DeliveryPolicy MINUTE = new DeliveryPolicy(60, 10);

  private TestWorkflowEnvironment env;
  private WorkflowClient client;
  private EventStreamWorkflowTest.Receiver receiver;

  @BeforeEach
  void setUp() {
    receiver = new EventStreamWorkflowTest.Receiver();
    env = EventStreamWorkflowTest.environment(receiver);
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  @Test
  void theAttemptsThatFitInTheGiveUpAreCountedAsTemporalTimesThem() {
    // Attempts at 0, 1, 3 and 5 s; the next would start at 7 s, past the give-up.
    assertThat(DeliveryWorkflowImpl.attemptsWithin(new DeliveryPolicy(6, 2))).isEqualTo(4);
    // 0, 1, 3, 7, 15, 25, 35, 45 and 55 s.
    assertThat(DeliveryWorkflowImpl.attemptsWithin(MINUTE)).isEqualTo(9);
    // Twelve doubling pauses (4,095 s in all), then 94 hourly ones within the four days.
    assertThat(
            DeliveryWorkflowImpl.attemptsWithin(
                new DeliveryPolicy(
                    Duration.ofDays(4).toSeconds(), Duration.ofHours(1).toSeconds())))
        .isEqualTo(107);
    // Settings below a second count as a second each.
    assertThat(DeliveryWorkflowImpl.attemptsWithin(new DeliveryPolicy(0, 0))).isEqualTo(2);
    assertThat(DeliveryWorkflowImpl.attemptsWithin(new DeliveryPolicy(Long.MAX_VALUE, 1)))
        .isEqualTo(Integer.MAX_VALUE);
  }

  @Test
  void theBoundIsWhereTheServersOwnDeadlineStoppedARecordedDelivery() throws IOException {
    // Recorded before the bound: the server's schedule-to-close check ended the retries.
    WorkflowExecutionHistory unbounded = recorded("delivery-v0-dead-lettered.json");
    assertThat(lastFailedSend(unbounded).getActivityTaskFailedEventAttributes().getRetryState())
        .isEqualTo(RetryState.RETRY_STATE_TIMEOUT);
    assertThat(lastSendAttempt(unbounded)).isEqualTo(DeliveryWorkflowImpl.attemptsWithin(MINUTE));

    // Recorded with the bound (version 1, whose marker the replay reads): the count ended them.
    WorkflowExecutionHistory bounded = recorded("delivery-v1-dead-lettered.json");
    assertThat(bounded.getEvents())
        .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_MARKER_RECORDED);
    assertThat(lastFailedSend(bounded).getActivityTaskFailedEventAttributes().getRetryState())
        .isEqualTo(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
    assertThat(lastSendAttempt(bounded)).isEqualTo(DeliveryWorkflowImpl.attemptsWithin(MINUTE));
  }

  @Test
  void aReceiverThatNeverRecoversIsDeadLetteredOnTheAttemptCount() {
    receiver.failuresLeft.set(Integer.MAX_VALUE);

    boolean delivered = stub("never").deliver(delivery("never"), MINUTE);

    assertThat(delivered).isFalse();
    assertThat(receiver.attempts).hasValue(DeliveryWorkflowImpl.attemptsWithin(MINUTE));
    assertThat(receiver.finished).containsExactly("never:dead");
    // The attempt count ended the retries, not the server's deadline check, which the Java test
    // server skips when the deadline falls on a whole second.
    WorkflowExecutionHistory history = client.fetchHistory(DeliveryWorkflow.workflowId("never"));
    assertThat(lastFailedSend(history).getActivityTaskFailedEventAttributes().getRetryState())
        .isEqualTo(RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  }

  @Test
  void aReceiverThatRecoversBeforeTheLastAttemptGetsTheDelivery() {
    receiver.failuresLeft.set(DeliveryWorkflowImpl.attemptsWithin(MINUTE) - 1);

    boolean delivered = stub("late").deliver(delivery("late"), MINUTE);

    assertThat(delivered).isTrue();
    assertThat(receiver.received).containsExactly("late");
    assertThat(receiver.finished).containsExactly("late:delivered");
  }

  private DeliveryWorkflow stub(String id) {
    return client.newWorkflowStub(
        DeliveryWorkflow.class,
        WorkflowOptions.newBuilder()
            .setWorkflowId(DeliveryWorkflow.workflowId(id))
            .setTaskQueue(EventStreamWorkflowTest.QUEUE)
            .build());
  }

  private static Delivery delivery(String id) {
    return new Delivery(
        id,
        DeliveryKind.CALLBACK,
        "c1",
        7L,
        "http://127.0.0.1:9/hook",
        Map.of("status", "completed"));
  }

  private WorkflowExecutionHistory recorded(String file) throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/histories/" + file)) {
      assertThat(in).as(file).isNotNull();
      return WorkflowExecutionHistory.fromJson(
          new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static HistoryEvent lastFailedSend(WorkflowExecutionHistory history) {
    List<HistoryEvent> failed =
        history.getEvents().stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED)
            .toList();
    assertThat(failed).hasSize(1);
    return failed.get(0);
  }

  private static int lastSendAttempt(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
        .mapToInt(e -> e.getActivityTaskStartedEventAttributes().getAttempt())
        .max()
        .orElseThrow();
  }
}

package org.metagov.workflows.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.workflows.delivery.EventStreamWorkflow.QueuedEvent;

/** The per-community event stream: order, de-duplication, a receiver that is down for a while. */
class EventStreamWorkflowTest {

  static final String QUEUE = "test-events";
  static final DeliveryPolicy POLICY =
      new DeliveryPolicy(Duration.ofDays(4).toSeconds(), Duration.ofHours(1).toSeconds());

  TestWorkflowEnvironment env;
  WorkflowClient client;
  Receiver receiver;

  static class Receiver implements DeliveryActivities {
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<String> finished = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresLeft = new AtomicInteger();
    final AtomicInteger attempts = new AtomicInteger();

    @Override
    public void register(Delivery delivery) {}

    @Override
    public void send(Delivery delivery) {
      attempts.incrementAndGet();
      if (failuresLeft.getAndDecrement() > 0) {
        throw ApplicationFailure.newFailure("the receiver answered 503", "DeliveryFailed");
      }
      received.add(delivery.id());
    }

    @Override
    public void finish(String deliveryId, boolean delivered, String lastError) {
      finished.add(deliveryId + (delivered ? ":delivered" : ":dead"));
    }
  }

  /** A started test environment whose worker runs the stream and delivery workflows against it. */
  static TestWorkflowEnvironment environment(Receiver receiver) {
    TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(
        EventStreamWorkflowImpl.class, DeliveryWorkflowImpl.class);
    worker.registerActivitiesImplementations(receiver);
    env.start();
    return env;
  }

  @BeforeEach
  void setUp() {
    receiver = new Receiver();
    env = environment(receiver);
    client = env.getWorkflowClient();
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  void publish(String id) {
    EventStreamWorkflow stream =
        client.newWorkflowStub(
            EventStreamWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(EventStreamWorkflow.workflowId("c1"))
                .setTaskQueue(QUEUE)
                .build());
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(stream::run, List.<QueuedEvent>of());
    request.add(
        stream::enqueue,
        new QueuedEvent(
            new Delivery(
                id,
                DeliveryKind.EVENT,
                "c1",
                null,
                "http://127.0.0.1:9/events",
                Map.of("event_type", "post_created")),
            POLICY));
    client.signalWithStart(request);
  }

  @Test
  void eventsArriveInOrderEvenWhenTheReceiverIsDownForAWhile() {
    receiver.failuresLeft.set(12);
    for (int i = 1; i <= 5; i++) {
      publish("event-" + i);
    }
    WorkflowStub.fromTyped(
            client.newWorkflowStub(EventStreamWorkflow.class, EventStreamWorkflow.workflowId("c1")))
        .getResult(Void.class);

    assertThat(receiver.received)
        .containsExactly("event-1", "event-2", "event-3", "event-4", "event-5");
  }

  @Test
  void aRedeliveredWebhookYieldsItsEventOnce() {
    publish("event-a");
    publish("event-a");
    publish("event-b");
    WorkflowStub.fromTyped(
            client.newWorkflowStub(EventStreamWorkflow.class, EventStreamWorkflow.workflowId("c1")))
        .getResult(Void.class);

    assertThat(receiver.received).containsExactly("event-a", "event-b");
  }

  @Test
  void aDeadEventDoesNotBlockTheStreamForever() {
    receiver.failuresLeft.set(Integer.MAX_VALUE);
    publish("event-x");
    env.sleep(Duration.ofDays(5));
    receiver.failuresLeft.set(0);
    publish("event-y");
    WorkflowStub.fromTyped(
            client.newWorkflowStub(EventStreamWorkflow.class, EventStreamWorkflow.workflowId("c1")))
        .getResult(Void.class);

    assertThat(receiver.finished).containsExactly("event-x:dead", "event-y:delivered");
  }
}

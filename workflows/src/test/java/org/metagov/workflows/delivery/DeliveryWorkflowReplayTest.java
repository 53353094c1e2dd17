package org.metagov.workflows.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metagov.workflows.Replays;
import org.metagov.workflows.delivery.EventStreamWorkflow.QueuedEvent;

/**
 * Replays recorded delivery and event-stream histories against the current code. Record with {@code
 * mvn -pl workflows test -Dtest=DeliveryWorkflowReplayTest -Dmetagov.recordHistories=true} when a
 * change is deliberately versioned with {@code Workflow.getVersion}; files that exist are kept.
 */
class DeliveryWorkflowReplayTest {

  /** The delivery workflow's version the recorder names its histories after. */
  static final String RECORDING = "v1";

  @ParameterizedTest
  @ValueSource(
      strings = {
        "delivery-v0-retried-then-delivered.json",
        "delivery-v0-dead-lettered.json",
        "delivery-v1-retried-then-delivered.json",
        "delivery-v1-dead-lettered.json"
      })
  void deliveryHistoriesReplay(String file) throws Exception {
    Replays.replay(read(file), DeliveryWorkflowImpl.class);
  }

  @Test
  void eventStreamHistoryReplays() throws Exception {
    Replays.replay(read("events-v0-three-in-order.json"), EventStreamWorkflowImpl.class);
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
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(EventStreamWorkflowTest.QUEUE);
      worker.registerWorkflowImplementationTypes(
          EventStreamWorkflowImpl.class, DeliveryWorkflowImpl.class);
      EventStreamWorkflowTest.Receiver receiver = new EventStreamWorkflowTest.Receiver();
      worker.registerActivitiesImplementations(receiver);
      env.start();
      WorkflowClient client = env.getWorkflowClient();

      receiver.failuresLeft.set(2);
      deliver(client, "retried");
      write(
          client,
          DeliveryWorkflow.workflowId("retried"),
          "delivery-" + RECORDING + "-retried-then-delivered");
      receiver.failuresLeft.set(Integer.MAX_VALUE);
      deliver(client, "dead");
      write(
          client, DeliveryWorkflow.workflowId("dead"), "delivery-" + RECORDING + "-dead-lettered");

      receiver.failuresLeft.set(0);
      for (String id : List.of("e1", "e2", "e3")) {
        EventStreamWorkflow stream =
            client.newWorkflowStub(
                EventStreamWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(EventStreamWorkflow.workflowId("c1"))
                    .setTaskQueue(EventStreamWorkflowTest.QUEUE)
                    .build());
        BatchRequest request = client.newSignalWithStartRequest();
        request.add(stream::run, List.<QueuedEvent>of());
        request.add(stream::enqueue, new QueuedEvent(delivery(id), EventStreamWorkflowTest.POLICY));
        client.signalWithStart(request);
      }
      client.newUntypedWorkflowStub(EventStreamWorkflow.workflowId("c1")).getResult(Void.class);
      write(client, EventStreamWorkflow.workflowId("c1"), "events-v0-three-in-order");
    }
  }

  private static Delivery delivery(String id) {
    return new Delivery(
        id,
        DeliveryKind.EVENT,
        "c1",
        null,
        "http://127.0.0.1:9/events",
        Map.of("event_type", "post_created"));
  }

  private static void deliver(WorkflowClient client, String id) {
    DeliveryWorkflow workflow =
        client.newWorkflowStub(
            DeliveryWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(DeliveryWorkflow.workflowId(id))
                .setTaskQueue(EventStreamWorkflowTest.QUEUE)
                .build());
    workflow.deliver(delivery(id), new DeliveryPolicy(60, 10));
  }

  private static void write(WorkflowClient client, String workflowId, String name)
      throws IOException {
    Path file = Path.of("src/test/resources/histories/" + name + ".json");
    if (!Files.exists(file)) {
      Files.writeString(file, client.fetchHistory(workflowId).toJson(true));
    }
  }
}

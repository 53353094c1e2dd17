package org.metagov.api.delivery;

import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.EventStreamWorkflow;
import org.metagov.workflows.delivery.EventStreamWorkflow.QueuedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Queues platform events for the Driver's event receiver ({@code DRIVER_EVENT_RECEIVER_URL}) in the
 * community's event stream workflow. When this returns, the events are durably in Temporal.
 */
@Component
public class EventPublisher {

  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);

  private final WorkflowClient client;
  private final String receiverUrl;
  private final String taskQueue;
  private final DeliveryPolicy policy;

  public EventPublisher(WorkflowClient client, org.metagov.activities.delivery.OutboundUrlPolicy urlPolicy,
      @Value("${metagov.driver.event-receiver-url:}") String receiverUrl,
      @Value("${metagov.temporal.task-queue}") String taskQueue,
      @Value("${metagov.delivery.give-up-after:4d}") Duration giveUpAfter,
      @Value("${metagov.delivery.max-backoff:1h}") Duration maxBackoff) {
    this.client = client;
    this.receiverUrl = receiverUrl == null || receiverUrl.isBlank() ? null : receiverUrl;
    this.taskQueue = taskQueue;
    this.policy = new DeliveryPolicy(giveUpAfter.toSeconds(), maxBackoff.toSeconds());
    if (this.receiverUrl != null) {
      urlPolicy.violation(this.receiverUrl).ifPresent(problem -> {
        throw new IllegalStateException("DRIVER_EVENT_RECEIVER_URL " + problem + ".");
      });
    }
    if (this.receiverUrl == null) {
      log.info("DRIVER_EVENT_RECEIVER_URL is not set: platform events are not sent to a Driver.");
    }
  }

  /**
   * Queues the events of one webhook. {@code deliveryId} is the platform's delivery id (null if it has
   * none); the events' {@code webhook-id}s derive from it, so a redelivered webhook yields the same ids.
   *
   * @return how many events were queued (0 when no receiver is configured)
   */
  public int publish(String community, String plugin, String deliveryId, List<PlatformEvent> events) {
    if (receiverUrl == null || events.isEmpty()) {
      return 0;
    }
    String base = "event-" + community + "-" + plugin + "-" + (deliveryId == null ? UUID.randomUUID() : deliveryId);
    Instant now = Instant.now();
    String timestamp = now.getEpochSecond() + "." + String.format("%06d", now.getNano() / 1000);
    for (int i = 0; i < events.size(); i++) {
      PlatformEvent event = events.get(i);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("community", community);
      body.put("source", plugin);
      body.put("event_type", event.eventType());
      body.put("timestamp", timestamp);
      body.put("data", event.data() == null ? Map.of() : Json.MAPPER.convertValue(event.data(), Object.class));
      if (event.initiatorUserId() != null) {
        Map<String, Object> initiator = new LinkedHashMap<>();
        initiator.put("user_id", event.initiatorUserId());
        initiator.put("provider", plugin);
        body.put("initiator", initiator);
      }
      String id = events.size() == 1 ? base : base + "-" + (i + 1);
      enqueue(community, new QueuedEvent(new Delivery(id, Delivery.EVENT, community, null, receiverUrl, body), policy));
    }
    return events.size();
  }

  private void enqueue(String community, QueuedEvent event) {
    EventStreamWorkflow stream = client.newWorkflowStub(EventStreamWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(EventStreamWorkflow.workflowId(community))
        .setTaskQueue(taskQueue)
        .build());
    BatchRequest request = client.newSignalWithStartRequest();
    request.add(stream::run, List.<QueuedEvent>of());
    request.add(stream::enqueue, event);
    client.signalWithStart(request);
  }
}

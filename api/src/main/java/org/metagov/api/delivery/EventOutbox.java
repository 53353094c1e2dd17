package org.metagov.api.delivery;

import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.time.Instant;
import java.util.List;
import org.metagov.activities.delivery.EventBodies;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;
import org.metagov.api.config.DriverProperties;
import org.metagov.api.config.TemporalProperties;
import org.metagov.api.webhook.WebhookIdentity;
import org.metagov.workflows.delivery.EventOutboxWorkflow;
import org.metagov.workflows.delivery.EventOutboxWorkflow.OutboxState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Queues platform events for the Driver's event receiver ({@code DRIVER_EVENT_RECEIVER_URL}) in
 * PostgreSQL and wakes the community's {@link EventOutboxWorkflow}. Queuing is part of the caller's
 * transaction, so an acknowledged webhook's events are durable once it commits; the wake-up is sent
 * after the commit, and a sweeper repeats any wake-up that was lost.
 */
@Component
public class EventOutbox {

  private static final Logger log = LoggerFactory.getLogger(EventOutbox.class);

  private final EventOutboxRepository repository;
  private final WorkflowClient client;
  private final String receiverUrl;
  private final String taskQueue;

  public EventOutbox(
      EventOutboxRepository repository,
      WorkflowClient client,
      OutboundUrlPolicy urlPolicy,
      DriverProperties driver,
      TemporalProperties temporal) {
    this.repository = repository;
    this.client = client;
    String receiverUrl = driver.eventReceiverUrl();
    this.receiverUrl = receiverUrl == null || receiverUrl.isBlank() ? null : receiverUrl;
    this.taskQueue = temporal.taskQueue();
    if (this.receiverUrl != null) {
      urlPolicy
          .violation(this.receiverUrl)
          .ifPresent(
              problem -> {
                throw new IllegalStateException("DRIVER_EVENT_RECEIVER_URL " + problem + ".");
              });
    } else {
      log.info("DRIVER_EVENT_RECEIVER_URL is not set: platform events are not sent to a Driver.");
    }
  }

  /**
   * What {@link #queue} did: how many events it queued and whether the outbox must be woken after
   * commit.
   */
  public record Queued(int events, boolean wake) {}

  /**
   * Queues the events of one webhook, inside the caller's transaction. Each event's id (its {@code
   * webhook-id}) is derived from the webhook's identity and the event's position, so a webhook
   * received again yields the same ids and is queued once.
   */
  public Queued queue(
      String community,
      String plugin,
      String webhookIdentity,
      WebhookHandler handler,
      List<PlatformEvent> events) {
    if (receiverUrl == null || events.isEmpty()) {
      return new Queued(0, false);
    }
    boolean enriched = !WebhookIdentity.enriches(handler);
    String timestamp = EventBodies.timestamp(Instant.now());
    int queued = 0;
    for (int i = 0; i < events.size(); i++) {
      String id = WebhookIdentity.eventId(webhookIdentity, i);
      String body = Json.write(EventBodies.body(community, plugin, timestamp, events.get(i)));
      if (repository.queue(id, community, plugin, receiverUrl, body, enriched)) {
        queued++;
      }
    }
    return new Queued(queued, queued > 0 && repository.requestWake(community));
  }

  /**
   * Signals (starting if needed) the community's outbox workflow. Failing here loses nothing: the
   * sweeper retries.
   */
  public boolean wake(String community) {
    try {
      EventOutboxWorkflow outbox =
          client.newWorkflowStub(
              EventOutboxWorkflow.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(EventOutboxWorkflow.workflowId(community))
                  .setTaskQueue(taskQueue)
                  .build());
      BatchRequest request = client.newSignalWithStartRequest();
      request.add(outbox::drain, new OutboxState(community, 0));
      request.add(outbox::wake);
      client.signalWithStart(request);
      return true;
    } catch (RuntimeException e) {
      log.warn(
          "The event outbox of {} could not be woken now; the sweeper will: {}",
          community,
          e.toString());
      return false;
    }
  }
}

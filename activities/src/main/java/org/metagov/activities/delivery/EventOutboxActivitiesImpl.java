package org.metagov.activities.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.metagov.activities.delivery.EventOutboxStore.QueuedEvent;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.NotFoundException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;
import org.metagov.workflows.delivery.EventOutboxActivities;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Delivers a community's queued events in order; see {@link EventOutboxActivities#deliverQueued}.
 */
@Component("eventOutboxActivities")
public class EventOutboxActivitiesImpl implements EventOutboxActivities {

  /** How long one activity run keeps sending, so it ends well inside its start-to-close timeout. */
  static final Duration TIME_BUDGET = Duration.ofSeconds(20);

  private static final int BATCH = 50;

  private final EventOutboxStore store;
  private final DriverSender sender;
  private final PluginRegistry registry;
  private final PluginContexts contexts;
  private final Duration giveUpAfter;
  private final Duration maxBackoff;

  @Autowired
  public EventOutboxActivitiesImpl(
      EventOutboxStore store,
      DriverSender sender,
      PluginRegistry registry,
      PluginContexts contexts,
      DeliveryProperties delivery) {
    this(store, sender, registry, contexts, delivery.giveUpAfter(), delivery.maxBackoff());
  }

  public EventOutboxActivitiesImpl(
      EventOutboxStore store,
      DriverSender sender,
      PluginRegistry registry,
      PluginContexts contexts,
      Duration giveUpAfter,
      Duration maxBackoff) {
    this.store = store;
    this.sender = sender;
    this.registry = registry;
    this.contexts = contexts;
    this.giveUpAfter = giveUpAfter;
    this.maxBackoff = maxBackoff;
  }

  /** What became of one queued event in this run; a retry stops the run. */
  private record Step(DriverSender.Verdict verdict, String error) {}

  @Override
  public OutboxDrain deliverQueued(String community) {
    store.clearWake(community);
    long budgetEnds = System.nanoTime() + TIME_BUDGET.toNanos();
    int delivered = 0;
    int dead = 0;
    while (true) {
      List<QueuedEvent> batch = store.queued(community, BATCH);
      if (batch.isEmpty()) {
        return new OutboxDrain(delivered, dead, 0, false);
      }
      for (QueuedEvent event : batch) {
        if (System.nanoTime() > budgetEnds) {
          return new OutboxDrain(delivered, dead, 0, true);
        }
        Step step = deliver(event);
        if (step == null) {
          continue;
        }
        switch (step.verdict()) {
          case DELIVERED -> {
            store.delivered(event.id());
            delivered++;
          }
          case REFUSED -> {
            store.failedAttempt(event.id(), step.error());
            store.deadLetter(event.id(), step.error());
            dead++;
          }
          case RETRY -> {
            int attempts = store.failedAttempt(event.id(), step.error());
            if (!Instant.now().isBefore(event.queuedAt().plus(giveUpAfter))) {
              store.deadLetter(
                  event.id(), step.error() + "; gave up " + giveUpAfter + " after it was queued");
              dead++;
            } else {
              return new OutboxDrain(delivered, dead, backoffSeconds(attempts), false);
            }
          }
        }
      }
    }
  }

  /**
   * Completes the event from its platform where needed, then sends it; null when the plugin dropped
   * it.
   */
  private Step deliver(QueuedEvent event) {
    String body = event.body();
    if (!event.enriched()) {
      Optional<PluginContext> context = contexts.find(event.community(), event.plugin());
      WebhookHandler handler =
          registry.find(event.plugin()).map(Plugin::webhookHandler).orElse(null);
      if (context.isEmpty() || handler == null) {
        return new Step(
            DriverSender.Verdict.REFUSED,
            "the plugin "
                + event.plugin()
                + " is no longer enabled for the community, so the event could not be completed from the platform");
      }
      JsonNode stored = Json.parse(body);
      PlatformEvent enriched;
      try {
        enriched = handler.enrich(context.get(), EventBodies.event(stored));
      } catch (PlatformException e) {
        String error = "the platform could not be read: " + e.getMessage();
        return new Step(
            e.kind() == PlatformException.Kind.REJECTED
                ? DriverSender.Verdict.REFUSED
                : DriverSender.Verdict.RETRY,
            error);
      } catch (InvalidInputException | NotFoundException e) {
        return new Step(
            DriverSender.Verdict.REFUSED, "the event could not be completed: " + e.getMessage());
      } catch (RuntimeException e) {
        // A fault in the plugin: counted as a failed attempt, so the event is tried again with its
        // backoff and
        // given up in time, instead of failing the whole run again and again ahead of every later
        // event.
        return new Step(
            DriverSender.Verdict.RETRY, "the plugin failed to complete the event: " + e);
      }
      if (enriched == null) {
        store.discard(
            event.id(), "the plugin found that the event does not concern this community");
        return null;
      }
      body =
          Json.write(
              EventBodies.body(
                  event.community(),
                  event.plugin(),
                  stored.path("timestamp").asString(),
                  enriched));
      store.saveEnriched(event.id(), body);
    }
    DriverSender.Outcome outcome = sender.send(event.id(), event.url(), body);
    return new Step(outcome.verdict(), outcome.error());
  }

  private long backoffSeconds(int attempts) {
    long backoff = 1L << Math.min(30, Math.max(0, attempts - 1));
    return Math.max(1, Math.min(backoff, maxBackoff.toSeconds()));
  }
}

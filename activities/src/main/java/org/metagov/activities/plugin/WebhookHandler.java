package org.metagov.activities.plugin;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * How a plugin receives its platform's webhooks at {@code
 * /api/hooks/{community}/{plugin}[/{webhook_slug}]}.
 *
 * <p>The shape keeps webhooks ack-first. {@link #verify} and {@link #parse} run before the webhook
 * is answered and see only a {@link WebhookRequest}: the raw request, the config and a read-only
 * state, no platform client. Anything that needs the platform (re-reading an expense, a post) goes
 * in {@link #enrich}, which runs later in an activity, with retries, once the event is safely
 * queued.
 *
 * <p>The receiver, not the plugin, decides a webhook's identity: a hash of the community, the
 * plugin and the raw body the platform signed (or, for platforms that cannot sign, the body that
 * came through the unguessable {@code webhook_slug}). Unsigned headers such as a platform's
 * delivery id cannot make a replayed body new, nor claim another webhook's identity.
 */
public interface WebhookHandler {

  /**
   * Checks that the webhook comes from the platform, over the raw body bytes. Throws {@link
   * WebhookRejectedException} (answered 401) when it does not, {@link InvalidInputException} (400)
   * for a malformed request.
   */
  void verify(WebhookRequest request);

  /**
   * Whether {@link #verify} proves who sent a webhook (a signature). When it cannot, the only proof
   * is an unguessable {@code webhook_slug} in the receiver's path: the community service then gives
   * the plugin one if its config has none, and the receiver refuses webhooks for a config without
   * one.
   */
  default boolean verifiesSender() {
    return true;
  }

  /**
   * Reads a verified webhook without calling the platform. Throws {@link InvalidInputException}
   * (answered 400) for a body that cannot be read.
   */
  ParsedWebhook parse(WebhookRequest request);

  /**
   * Completes an event from the platform before it is sent to the Driver, for platforms whose
   * webhooks are only hints. Runs in an activity after the webhook was acknowledged, once per event
   * (its result is stored, so a redelivery sends the same body). A {@link PlatformException} that
   * is not a refusal is retried with the event's delivery backoff; a refusal dead-letters the event
   * (redeliverable). Return null to drop an event that turns out not to concern the community.
   */
  default PlatformEvent enrich(PluginContext context, PlatformEvent event) {
    return event;
  }

  /**
   * A webhook as the orchestrator uses it. {@code eventType} is the platform's name for it (a hint,
   * for logs and process signals); {@code routingKeys} name the platform objects it concerns,
   * matched against the keys processes registered; {@code events} are what the Driver is told.
   * {@code processInput}, when not null, is kept durably for each process the webhook concerns, in
   * the transaction that acknowledges it, and handed to the process's adapter on its next read
   * ({@link ProcessAdapter.ProcessInstance#inputs()}): for platforms where the webhook itself is
   * the vote (a button press), not a hint to re-read the platform.
   */
  record ParsedWebhook(
      String eventType,
      List<String> routingKeys,
      List<PlatformEvent> events,
      JsonNode processInput) {

    public ParsedWebhook(String eventType, List<String> routingKeys, List<PlatformEvent> events) {
      this(eventType, routingKeys, events, null);
    }
  }

  /**
   * An event for the Driver's event receiver. {@code initiatorIsMetagovBot}, when not null, tells
   * the Driver whether the app itself caused the event (the gateway's {@code
   * initiator.is_metagov_bot}).
   */
  record PlatformEvent(
      String eventType, JsonNode data, String initiatorUserId, Boolean initiatorIsMetagovBot) {

    public PlatformEvent(String eventType, JsonNode data, String initiatorUserId) {
      this(eventType, data, initiatorUserId, null);
    }
  }
}

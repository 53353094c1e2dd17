package org.metagov.activities.plugin;

import java.util.List;
import java.util.Map;

/**
 * How a plugin receives its platform's webhooks at {@code /api/hooks/{community}/{plugin}[/{webhook_slug}]}.
 * The receiver has already checked the community, the plugin and the {@code webhook_slug}; the handler
 * checks the platform's own proof (a signature) and says which processes the webhook concerns.
 */
public interface WebhookHandler {

  /**
   * Checks that the webhook comes from the platform, over the raw body bytes. Throws
   * {@link WebhookRejectedException} (answered 401) when it does not.
   *
   * @param headers request headers with lower-case names
   */
  void verify(PluginContext context, Map<String, String> headers, byte[] body);

  /**
   * Whether {@link #verify} proves who sent a webhook (a signature). When it cannot, the only proof is an
   * unguessable {@code webhook_slug} in the receiver's path: the community service then gives the plugin
   * one if its config has none, and the receiver refuses webhooks for a config without one.
   */
  default boolean verifiesSender() {
    return true;
  }

  /**
   * Reads a verified webhook. Throws {@link InvalidInputException} (answered 400) for a body that cannot
   * be read.
   */
  ParsedWebhook parse(PluginContext context, Map<String, String> headers, byte[] body);

  /**
   * A webhook as the orchestrator uses it. {@code deliveryId} is the platform's id of this delivery (null
   * when the platform sends none), used to apply a redelivered webhook once; {@code routingKeys} name the
   * platform objects it concerns, matched against the keys processes registered; {@code events} are what
   * the Driver is told.
   */
  record ParsedWebhook(String deliveryId, String eventType, List<String> routingKeys, List<PlatformEvent> events) {}

  /** An event for the Driver's event receiver. */
  record PlatformEvent(String eventType, tools.jackson.databind.JsonNode data, String initiatorUserId) {}
}

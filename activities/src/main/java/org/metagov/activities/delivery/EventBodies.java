package org.metagov.activities.delivery;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;
import tools.jackson.databind.JsonNode;

/**
 * The body of an event POSTed to the Driver's event receiver, in the tutorial's shape: {@code
 * {"community", "source", "event_type", "timestamp", "data", "initiator": {"user_id", "provider"}}}
 * (plus the gateway's {@code initiator.is_metagov_bot} from installed apps), with the timestamp as
 * a string of seconds since the epoch (with microseconds).
 */
public final class EventBodies {

  private EventBodies() {}

  public static Map<String, Object> body(
      String community, String plugin, String timestamp, PlatformEvent event) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("community", community);
    body.put("source", plugin);
    body.put("event_type", event.eventType());
    body.put("timestamp", timestamp);
    body.put(
        "data",
        event.data() == null ? Map.of() : Json.MAPPER.convertValue(event.data(), Object.class));
    if (event.initiatorUserId() != null) {
      Map<String, Object> initiator = new LinkedHashMap<>();
      initiator.put("user_id", event.initiatorUserId());
      initiator.put("provider", plugin);
      if (event.initiatorIsMetagovBot() != null) {
        initiator.put("is_metagov_bot", event.initiatorIsMetagovBot());
      }
      body.put("initiator", initiator);
    }
    return body;
  }

  public static String timestamp(Instant at) {
    return at.getEpochSecond() + "." + String.format("%06d", at.getNano() / 1000);
  }

  /** The event a stored body describes, to hand to the plugin's {@code enrich}. */
  public static PlatformEvent event(JsonNode body) {
    JsonNode initiator = body.path("initiator").path("user_id");
    JsonNode bot = body.path("initiator").path("is_metagov_bot");
    return new PlatformEvent(
        body.path("event_type").asString(null),
        body.path("data"),
        initiator.isMissingNode() || initiator.isNull() ? null : initiator.asString(),
        bot.isBoolean() ? bot.asBoolean() : null);
  }
}

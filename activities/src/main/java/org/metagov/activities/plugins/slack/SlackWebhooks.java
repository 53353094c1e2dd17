package org.metagov.activities.plugins.slack;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack's signed requests: Events API callbacks (JSON) and interactivity payloads (a form whose
 * {@code payload} field holds JSON), both at {@code /api/hooks/slack}.
 *
 * <p><b>Signature.</b> Slack sends {@code X-Slack-Request-Timestamp} (Unix seconds) and {@code
 * X-Slack-Signature} = {@code v0=} and the hex HMAC-SHA256, under the app's signing secret, of
 * {@code v0:{timestamp}:{raw body}}. A request more than five minutes from this server's clock is
 * refused, so a captured request cannot be replayed later; within the window the receiver's
 * identity check makes a replay a duplicate.
 *
 * <p><b>Reading.</b> An {@code event_callback} becomes one event for the Driver: the inner event's
 * {@code type} as the event type, its {@code user} (when it is a user id) as the initiator,
 * compared with the installation's {@code bot_user_id} for {@code initiator.is_metagov_bot}, and
 * the rest of the inner event as data. A {@code block_actions} payload (a button pressed, an option
 * selected) is no event: it is a process input for the processes whose message it came from ({@code
 * message:<channel>:<ts>}).
 */
final class SlackWebhooks implements WebhookHandler {

  static final Duration MAX_SKEW = Duration.ofMinutes(5);
  static final String BLOCK_ACTIONS = "block_actions";
  static final String EVENT_CALLBACK = "event_callback";

  private static final Pattern SIGNATURE = Pattern.compile("v0=[0-9a-fA-F]{64}");
  private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

  private final SlackProperties app;
  private final Clock clock;

  SlackWebhooks(SlackProperties app, Clock clock) {
    this.app = app;
    this.clock = clock;
  }

  @Override
  public void verify(WebhookRequest request) {
    String secret = app.signingSecret();
    if (secret == null || secret.isBlank()) {
      throw new WebhookRejectedException(
          "This deployment has no Slack signing secret (SLACK_SIGNING_SECRET).");
    }
    Map<String, String> headers = request.headers();
    String timestamp = headers.get("x-slack-request-timestamp");
    String signature = headers.get("x-slack-signature");
    if (timestamp == null || signature == null) {
      throw new WebhookRejectedException(
          "The request has no X-Slack-Request-Timestamp or X-Slack-Signature header.");
    }
    if (!TIMESTAMP.matcher(timestamp.trim()).matches()
        || !SIGNATURE.matcher(signature.trim()).matches()) {
      throw new WebhookRejectedException(
          "The request's X-Slack-Request-Timestamp or X-Slack-Signature is malformed.");
    }
    long sent = Long.parseLong(timestamp.trim());
    long now = clock.instant().getEpochSecond();
    if (Math.abs(now - sent) > MAX_SKEW.toSeconds()) {
      throw new WebhookRejectedException(
          "The request's X-Slack-Request-Timestamp is more than five minutes from now;"
              + " it is stale or replayed (or this server's clock is off).");
    }
    if (!WebhookSignatures.matches(
        "v0=" + sign(secret, timestamp.trim(), request.body()), signature)) {
      throw new WebhookRejectedException(
          "The request's X-Slack-Signature does not match its body under the signing secret.");
    }
  }

  @Override
  public boolean verifiesSender() {
    return true;
  }

  /** The hex HMAC-SHA256 of {@code v0:{timestamp}:{body}} under the signing secret. */
  static String sign(String secret, String timestamp, byte[] body) {
    return WebhookSignatures.hmacSha256Hex(
        secret, ("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8), body);
  }

  @Override
  public ParsedWebhook parse(WebhookRequest request) {
    JsonNode payload = payload(request);
    String type = payload.path("type").asString("");
    if (EVENT_CALLBACK.equals(type)) {
      return event(payload, request.configText("bot_user_id"));
    }
    if (BLOCK_ACTIONS.equals(type)) {
      return blockActions(payload);
    }
    return new ParsedWebhook(type.isEmpty() ? null : type, List.of(), List.of());
  }

  private static ParsedWebhook event(JsonNode payload, String botUserId) {
    JsonNode inner = payload.path("event");
    if (!inner.isObject() || !inner.path("type").isString()) {
      throw InvalidInputException.of("event", "is not a Slack event with a type");
    }
    ObjectNode data = (ObjectNode) inner.deepCopy();
    String eventType = data.remove("type").asString();
    String user = null;
    if (data.path("user").isString()) {
      // Some events (user_change, team_join) carry a whole user object, which stays in the data.
      user = data.remove("user").asString();
    }
    Boolean isBot = user == null ? null : user.equals(botUserId);
    return new ParsedWebhook(
        eventType, List.of(), List.of(new PlatformEvent(eventType, data, user, isBot)));
  }

  private static ParsedWebhook blockActions(JsonNode payload) {
    String channel =
        payload
            .path("channel")
            .path("id")
            .asString(payload.path("container").path("channel_id").asString(null));
    String messageTs =
        payload
            .path("container")
            .path("message_ts")
            .asString(payload.path("message").path("ts").asString(null));
    String user = payload.path("user").path("id").asString(null);
    JsonNode action = payload.path("actions").path(0);
    if (channel == null || messageTs == null || user == null || !action.isObject()) {
      // An action outside a message (a modal, the app home) concerns no process.
      return new ParsedWebhook(BLOCK_ACTIONS, List.of(), List.of());
    }
    ObjectNode input = Json.object();
    input.put("user", user);
    input.put("action_id", action.path("action_id").asString(""));
    JsonNode value =
        action.has("selected_option")
            ? action.path("selected_option").path("value")
            : action.path("value");
    if (value.isString()) {
      input.put("value", value.asString());
    } else {
      input.putNull("value");
    }
    input.put("action_ts", action.path("action_ts").asString(""));
    return new ParsedWebhook(
        BLOCK_ACTIONS, List.of(messageKey(channel, messageTs)), List.of(), input);
  }

  /** The routing key of a message, which the processes posting it register. */
  static String messageKey(String channel, String ts) {
    return "message:" + channel + ":" + ts;
  }

  /**
   * The request's JSON: the body of an Events API request, or the {@code payload} field of an
   * interactivity form. Anything else (a slash command's form) reads as an object without a type.
   */
  static JsonNode payload(WebhookRequest request) {
    String contentType =
        request.headers().getOrDefault("content-type", "").toLowerCase(Locale.ROOT);
    String text = new String(request.body(), StandardCharsets.UTF_8);
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      String payload = formField(text, "payload");
      if (payload == null) {
        return Json.object();
      }
      text = payload;
    }
    try {
      JsonNode json = Json.parse(text);
      if (json == null || !json.isObject()) {
        throw InvalidInputException.of("body", "is not a JSON object");
      }
      return json;
    } catch (JacksonException e) {
      throw InvalidInputException.of("body", "is not JSON");
    }
  }

  private static String formField(String form, String name) {
    try {
      return decodedField(form, name);
    } catch (IllegalArgumentException e) {
      throw InvalidInputException.of("body", "is not a well-formed form");
    }
  }

  private static String decodedField(String form, String name) {
    for (String pair : form.split("&")) {
      int equals = pair.indexOf('=');
      String key =
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        return equals < 0
            ? ""
            : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asString()));
    return values;
  }
}

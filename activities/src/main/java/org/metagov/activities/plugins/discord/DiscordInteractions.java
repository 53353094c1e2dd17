package org.metagov.activities.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Discord's signed requests at {@code /api/hooks/discord}: interactions (the app's Interactions
 * Endpoint URL) and webhook events (its Webhook Events URL), both JSON.
 *
 * <p><b>Signature.</b> Discord signs {@code X-Signature-Timestamp} followed by the raw body with
 * the application's Ed25519 key and sends the signature in {@code X-Signature-Ed25519} (hex). It is
 * checked with the JDK's Ed25519 against the application's public key. Discord sends deliberately
 * bad signatures when the URL is registered and expects 401 for them. A timestamp (Unix seconds)
 * more than five minutes from this server's clock is refused as well, so a captured request cannot
 * be replayed later; within the window the receiver's identity check (the interaction's id) makes a
 * replay a duplicate.
 *
 * <p><b>Reading.</b> A slash command ({@code APPLICATION_COMMAND} of type {@code CHAT_INPUT})
 * becomes a {@code slash_command} event for the Driver, with the interaction (without its token) as
 * data and the invoking member as initiator. A button press ({@code MESSAGE_COMPONENT}) is no
 * event: it is a process input for the processes whose message it came from ({@code
 * message:<channel>:<message>}).
 */
final class DiscordInteractions implements WebhookHandler {

  static final Duration MAX_SKEW = Duration.ofMinutes(5);
  static final String SLASH_COMMAND = "slash_command";

  /** Interaction types (Discord's receiving-and-responding page). */
  static final int PING = 1;

  static final int APPLICATION_COMMAND = 2;
  static final int MESSAGE_COMPONENT = 3;
  static final int CHAT_INPUT = 1;

  /**
   * The DER prefix that makes Discord's raw 32-byte Ed25519 public key an X.509
   * SubjectPublicKeyInfo.
   */
  private static final byte[] ED25519_X509_PREFIX =
      HexFormat.of().parseHex("302a300506032b6570032100");

  private static final Pattern SIGNATURE = Pattern.compile("[0-9a-fA-F]{128}");
  private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

  private final DiscordProperties app;
  private final Clock clock;

  DiscordInteractions(DiscordProperties app, Clock clock) {
    this.app = app;
    this.clock = clock;
  }

  @Override
  public void verify(WebhookRequest request) {
    PublicKey key = publicKey(app.publicKey());
    String timestamp = request.headers().get("x-signature-timestamp");
    String signature = request.headers().get("x-signature-ed25519");
    if (timestamp == null || signature == null) {
      throw new WebhookRejectedException(
          "The request has no X-Signature-Ed25519 or X-Signature-Timestamp header.");
    }
    if (!TIMESTAMP.matcher(timestamp.trim()).matches()
        || !SIGNATURE.matcher(signature.trim()).matches()) {
      throw new WebhookRejectedException(
          "The request's X-Signature-Ed25519 or X-Signature-Timestamp is malformed.");
    }
    long sent = Long.parseLong(timestamp.trim());
    if (Math.abs(clock.instant().getEpochSecond() - sent) > MAX_SKEW.toSeconds()) {
      throw new WebhookRejectedException(
          "The request's X-Signature-Timestamp is more than five minutes from now;"
              + " it is stale or replayed (or this server's clock is off).");
    }
    if (!signatureHolds(
        key, timestamp.trim(), request.body(), HexFormat.of().parseHex(signature.trim()))) {
      throw new WebhookRejectedException(
          "The request's X-Signature-Ed25519 does not match its body under the application's public key.");
    }
  }

  private static boolean signatureHolds(
      PublicKey key, String timestamp, byte[] body, byte[] signature) {
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initVerify(key);
      ed25519.update(timestamp.getBytes(StandardCharsets.UTF_8));
      ed25519.update(body);
      return ed25519.verify(signature);
    } catch (java.security.SignatureException malformed) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is not available", e);
    }
  }

  /** The application's public key, from the 64 hex digits of its raw 32 bytes. */
  static PublicKey publicKey(String hex) {
    if (hex == null || !Pattern.matches("[0-9a-fA-F]{64}", hex.trim())) {
      throw new WebhookRejectedException(
          "This deployment has no valid Discord public key (DISCORD_PUBLIC_KEY).");
    }
    byte[] raw = HexFormat.of().parseHex(hex.trim());
    byte[] encoded = new byte[ED25519_X509_PREFIX.length + raw.length];
    System.arraycopy(ED25519_X509_PREFIX, 0, encoded, 0, ED25519_X509_PREFIX.length);
    System.arraycopy(raw, 0, encoded, ED25519_X509_PREFIX.length, raw.length);
    try {
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded));
    } catch (GeneralSecurityException e) {
      throw new WebhookRejectedException(
          "This deployment's Discord public key (DISCORD_PUBLIC_KEY) is not an Ed25519 key.");
    }
  }

  @Override
  public ParsedWebhook parse(WebhookRequest request) {
    JsonNode interaction = payload(request);
    int type = interaction.path("type").asInt(0);
    if (type == APPLICATION_COMMAND
        && interaction.path("data").path("type").asInt(CHAT_INPUT) == CHAT_INPUT) {
      return slashCommand(interaction);
    }
    if (type == MESSAGE_COMPONENT) {
      return component(interaction);
    }
    return new ParsedWebhook("interaction_" + type, List.of(), List.of());
  }

  private static ParsedWebhook slashCommand(JsonNode interaction) {
    ObjectNode data = (ObjectNode) interaction.deepCopy();
    // The interaction token answers the interaction for fifteen minutes; Metagov has answered it
    // already.
    data.remove("token");
    // Only people invoke slash commands; bots cannot.
    return new ParsedWebhook(
        SLASH_COMMAND,
        List.of(),
        List.of(new PlatformEvent(SLASH_COMMAND, data, invoker(interaction), false)));
  }

  private static ParsedWebhook component(JsonNode interaction) {
    String channel =
        interaction
            .path("message")
            .path("channel_id")
            .asString(interaction.path("channel_id").asString(null));
    String message = interaction.path("message").path("id").asString(null);
    String user = invoker(interaction);
    String customId = interaction.path("data").path("custom_id").asString(null);
    if (channel == null || message == null || user == null || customId == null) {
      return new ParsedWebhook("component", List.of(), List.of());
    }
    ObjectNode input = Json.object();
    input.put("user", user);
    input.put("custom_id", customId);
    input.put("interaction_id", interaction.path("id").asString(""));
    // Kept so that the process can tell an ineligible voter privately (an ephemeral follow-up),
    // which only the
    // interaction's token can do; it expires fifteen minutes after the press.
    input.put("interaction_token", interaction.path("token").asString(""));
    return new ParsedWebhook("component", List.of(messageKey(channel, message)), List.of(), input);
  }

  /** The member (in a guild) or user (in a direct message) who caused an interaction. */
  static String invoker(JsonNode interaction) {
    return interaction
        .path("member")
        .path("user")
        .path("id")
        .asString(interaction.path("user").path("id").asString(null));
  }

  /** The routing key of a message, which the processes posting it register. */
  static String messageKey(String channel, String message) {
    return "message:" + channel + ":" + message;
  }

  static JsonNode payload(WebhookRequest request) {
    try {
      JsonNode json = Json.parse(new String(request.body(), StandardCharsets.UTF_8));
      if (json == null || !json.isObject()) {
        throw InvalidInputException.of("body", "is not a JSON object");
      }
      return json;
    } catch (JacksonException e) {
      throw InvalidInputException.of("body", "is not JSON");
    }
  }
}

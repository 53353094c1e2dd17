package org.metagov.activities.plugins.discord;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.databind.JsonNode;

/**
 * Discord's REST API as the plugin calls it: JSON bodies, the bot token in an {@code Authorization:
 * Bot} header (never in a URL, a body or a message). Discord's answers become {@link
 * PlatformException}s whose kind says whether retrying helps: a 429 waits what its {@code
 * Retry-After} header or its body's {@code retry_after} says; other refusals carry Discord's JSON
 * error ({@code {"message": ..., "code": 10008}}) for the plugin to read.
 */
final class DiscordApi {

  static final String PLATFORM = "Discord";

  /** Discord's JSON error codes the plugin reads. */
  static final int UNKNOWN_CHANNEL = 10003;

  static final int UNKNOWN_GUILD = 10004;
  static final int UNKNOWN_MESSAGE = 10008;
  static final int UNKNOWN_WEBHOOK = 10015;
  static final int INVALID_WEBHOOK_TOKEN = 50027;

  private final PlatformHttp http;
  private final DiscordProperties app;

  DiscordApi(PlatformHttp http, DiscordProperties app) {
    this.http = http;
    this.app = app;
  }

  /**
   * Calls the API as the bot and returns Discord's JSON answer (null for an empty one, such as a
   * 204).
   *
   * @param path the API path under the versioned base, such as {@code /channels/123/messages}; its
   *     segments already checked or encoded
   */
  JsonNode bot(String method, String path, JsonNode body) {
    if (app.botToken() == null || app.botToken().isBlank()) {
      throw new PlatformException(
          Kind.REJECTED,
          PLATFORM,
          401,
          "This deployment has no Discord bot token (DISCORD_BOT_TOKEN).");
    }
    URI uri = PlatformHttp.resolve(app.apiBaseUrl(), path);
    PlatformHttp.Reply reply =
        http.exchange(
            PLATFORM,
            method,
            uri,
            Map.of("Authorization", "Bot " + app.botToken()),
            body == null ? null : "application/json",
            body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8));
    return answer(method, path, uri, reply);
  }

  /**
   * Sends a follow-up message for an interaction ({@code POST /webhooks/{application}/{interaction
   * token}}), which is the only way to show a message to one person (flags 64, ephemeral). The
   * interaction token is a credential for fifteen minutes and sits in the path, so no failure names
   * the path.
   */
  JsonNode followUp(String interactionToken, JsonNode message) {
    URI uri =
        PlatformHttp.resolve(
            app.apiBaseUrl(),
            "/webhooks/" + encode(app.clientId()) + "/" + encode(interactionToken));
    URI described =
        PlatformHttp.resolve(
            app.apiBaseUrl(), "/webhooks/" + encode(app.clientId()) + "/interaction-token");
    PlatformHttp.Reply reply;
    try {
      reply =
          http.exchange(
              PLATFORM,
              "POST",
              uri,
              Map.of(),
              "application/json",
              Json.write(message).getBytes(StandardCharsets.UTF_8));
    } catch (PlatformException e) {
      throw new PlatformException(
          e.kind(),
          PLATFORM,
          e.platformStatus(),
          "Discord did not answer an interaction follow-up (" + e.kind() + ").");
    }
    return answer("POST", "/webhooks/{application}/{interaction-token}", described, reply);
  }

  /**
   * {@code POST /oauth2/token}: exchanges an install's authorization code, with the application's
   * credentials in an HTTP Basic header and the grant as a form, as Discord's OAuth2 takes it.
   */
  JsonNode exchangeCode(String code, URI redirectUri) {
    String credentials =
        Base64.getEncoder()
            .encodeToString(
                (app.clientId() + ":" + app.clientSecret()).getBytes(StandardCharsets.UTF_8));
    String form =
        "grant_type=authorization_code&code="
            + encode(code)
            + "&redirect_uri="
            + encode(redirectUri.toString());
    URI uri = PlatformHttp.resolve(app.apiBaseUrl(), "/oauth2/token");
    PlatformHttp.Reply reply =
        http.exchange(
            PLATFORM,
            "POST",
            uri,
            Map.of("Authorization", "Basic " + credentials),
            "application/x-www-form-urlencoded",
            form.getBytes(StandardCharsets.UTF_8));
    return answer("POST", "/oauth2/token", uri, reply);
  }

  private JsonNode answer(String method, String path, URI uri, PlatformHttp.Reply reply) {
    int status = reply.status();
    if (status == 429) {
      throw PlatformHttp.rateLimited(PLATFORM, method, uri, reply);
    }
    if (status >= 400) {
      String message = message(reply);
      String detail =
          "Discord answered "
              + status
              + " to "
              + method
              + " "
              + path
              + (message == null ? "" : ": " + PlatformException.excerpt(message));
      throw new PlatformException(
          status >= 500 ? Kind.FAILED : Kind.REJECTED, PLATFORM, status, detail, reply.body());
    }
    if (status >= 300) {
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          status,
          "Discord answered a redirect ("
              + status
              + ") to "
              + method
              + " "
              + path
              + "; check DISCORD_API_BASE_URL");
    }
    return reply.json(PLATFORM);
  }

  /**
   * Discord's error {@code message} (or an OAuth {@code error}), or null when the answer is not
   * Discord's JSON.
   */
  private static String message(PlatformHttp.Reply reply) {
    try {
      JsonNode json = reply.json(PLATFORM);
      return json == null ? null : json.path("message").asString(json.path("error").asString(null));
    } catch (PlatformException notJson) {
      return null;
    }
  }

  /** Discord's JSON error code in a refusal from this client, or 0. */
  static int code(PlatformException e) {
    JsonNode answer = e.responseJson();
    return answer == null ? 0 : answer.path("code").asInt(0);
  }

  static String encode(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}

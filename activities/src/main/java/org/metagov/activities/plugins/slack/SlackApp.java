package org.metagov.activities.plugins.slack;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The deployment's Slack app: installed into a workspace with OAuth v2 (a bot token per workspace),
 * and one request URL for the Events API and interactivity of every workspace, routed by the
 * workspace's {@code team_id}.
 */
final class SlackApp implements InstalledApp {

  static final String TEAM_ID = "team_id";

  private final SlackProperties properties;

  SlackApp(SlackProperties properties) {
    this.properties = properties;
  }

  @Override
  public String installationKeyField() {
    return TEAM_ID;
  }

  @Override
  public boolean configured() {
    return properties.configured();
  }

  @Override
  public URI authorizeUrl(String state, URI callbackUrl) {
    String base = properties.authorizeUrl();
    return URI.create(
        base
            + (base.contains("?") ? "&" : "?")
            + "client_id="
            + encode(properties.clientId())
            + "&scope="
            + encode(String.join(",", properties.botScopes()))
            + "&user_scope="
            + encode(String.join(",", properties.userScopes()))
            + "&state="
            + encode(state)
            + "&redirect_uri="
            + encode(callbackUrl.toString()));
  }

  @Override
  public ObjectNode install(
      PlatformHttp http, java.util.Map<String, String> callback, URI callbackUrl) {
    String code = callback.get("code");
    if (code == null || code.isBlank()) {
      throw new InstallRefusedException("server_error", "Slack sent no authorization code.");
    }
    JsonNode answer;
    try {
      answer = SlackApi.oauthAccess(http, properties, code, callbackUrl);
    } catch (PlatformException e) {
      String error = SlackApi.error(e);
      if (error == null || e.retryable()) {
        throw e;
      }
      // invalid_code, bad_redirect_uri, invalid_client_id...: the platform refused this install.
      throw new InstallRefusedException(error, "Slack refused the install: " + error + ".");
    }
    if (!"bot".equals(answer.path("token_type").asString(null))
        || !answer.path("access_token").isString()) {
      throw new InstallRefusedException(
          "unsupported_token_type",
          "Slack answered the install without a bot token; the app must ask for bot scopes.");
    }
    String teamId = answer.path("team").path("id").asString(null);
    if (teamId == null || teamId.isBlank()) {
      throw new InstallRefusedException(
          "unsupported_installation",
          "Slack answered the install without a workspace (an organisation-wide install); install the app into a workspace.");
    }
    ObjectNode config = Json.object();
    config.put(TEAM_ID, teamId);
    config.put("team_name", answer.path("team").path("name").asString(""));
    config.put("bot_user_id", answer.path("bot_user_id").asString(""));
    config.put("bot_token", answer.get("access_token").asString());
    String installer = answer.path("authed_user").path("id").asString(null);
    if (installer != null) {
      config.put("installer_user_id", installer);
    }
    return config;
  }

  @Override
  public String installerAccount(ObjectNode installation) {
    return installation.path("installer_user_id").asString(null);
  }

  @Override
  public AppWebhookRoute route(WebhookRequest request) {
    JsonNode payload = SlackWebhooks.payload(request);
    String type = payload.path("type").asString("");
    switch (type) {
      case "url_verification" -> {
        return new AppWebhookRoute.Reply(200, "text/plain", payload.path("challenge").asString(""));
      }
      case SlackWebhooks.EVENT_CALLBACK -> {
        String teamId = payload.path(TEAM_ID).asString(null);
        String eventId = payload.path("event_id").asString("");
        byte[] identity =
            eventId.isBlank()
                ? request.body()
                : ("slack-event:" + eventId).getBytes(StandardCharsets.UTF_8);
        return new AppWebhookRoute.Deliver(
            teamId, identity, null, uninstalls(payload.path("event")));
      }
      case SlackWebhooks.BLOCK_ACTIONS -> {
        // Slack expects an empty 200 within three seconds; the vote is applied by the process
        // afterwards.
        return new AppWebhookRoute.Deliver(
            payload.path("team").path("id").asString(null),
            request.body(),
            new AppWebhookRoute.Reply(200, "text/plain", ""),
            false);
      }
      default -> {
        // app_rate_limited, other interactions (modals, shortcuts) and slash commands:
        // acknowledged, not used.
        return new AppWebhookRoute.Reply(200, "text/plain", "");
      }
    }
  }

  /**
   * Whether the event says the installation is gone: the app was uninstalled, or the bot's token
   * revoked (a {@code tokens_revoked} that names only user tokens leaves the bot installed).
   */
  private static boolean uninstalls(JsonNode event) {
    String type = event.path("type").asString("");
    if ("app_uninstalled".equals(type)) {
      return true;
    }
    return "tokens_revoked".equals(type)
        && !event.path("tokens").path("bot").path(0).isMissingNode();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}

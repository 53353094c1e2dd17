package org.metagov.activities.plugins.slack;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack's Web API as the plugin calls it: {@code POST {api}/{method}} with the bot token in an
 * {@code Authorization: Bearer} header (never in a body, a URL or a message). Slack answers almost
 * everything with HTTP 200 and says in {@code ok} whether the call worked; {@code "ok": false}
 * answers become {@link PlatformException}s whose kind says whether retrying can help, with Slack's
 * error code in the detail.
 *
 * <p>Slack reads JSON bodies only on (most) write methods; read methods such as {@code users.info}
 * or {@code conversations.history} take form parameters. So the methods that carry Block Kit
 * structures are sent as JSON and every other method as a form, with list values joined by commas
 * and objects as JSON text, as Slack's form convention has it.
 */
final class SlackApi {

  static final String PLATFORM = "Slack";

  /**
   * Methods sent with a JSON body, so their blocks, attachments and metadata travel as structures.
   */
  private static final Set<String> JSON_METHODS =
      Set.of(
          "chat.postMessage",
          "chat.postEphemeral",
          "chat.update",
          "chat.scheduleMessage",
          "chat.unfurl",
          "chat.meMessage");

  /**
   * Errors that say the token no longer works: the installation is gone or its token was revoked.
   */
  static final Set<String> TOKEN_DEAD =
      Set.of(
          "invalid_auth",
          "not_authed",
          "token_revoked",
          "token_expired",
          "account_inactive",
          "org_login_required",
          "team_access_not_granted");

  /** Errors that say the app lacks a permission; a new install with more scopes can mend them. */
  private static final Set<String> NOT_PERMITTED =
      Set.of(
          "missing_scope",
          "no_permission",
          "not_allowed_token_type",
          "ekm_access_denied",
          "restricted_action");

  /** Slack's own transient failures, worth retrying. */
  private static final Set<String> TRANSIENT =
      Set.of(
          "internal_error",
          "fatal_error",
          "service_unavailable",
          "request_timeout",
          "team_added_to_org");

  private final PlatformHttp http;
  private final String baseUrl;
  private final String token;

  SlackApi(PlatformHttp http, String baseUrl, String token) {
    this.http = http;
    this.baseUrl = baseUrl;
    this.token = token;
  }

  /**
   * Calls a Web API method with the bot token; returns Slack's answer (which has {@code "ok":
   * true}).
   */
  JsonNode call(String method, JsonNode parameters) {
    if (token == null || token.isBlank()) {
      throw new PlatformException(
          Kind.REJECTED,
          PLATFORM,
          401,
          "The slack plugin has no bot_token; install the Slack app again through /auth/slack/authorize.");
    }
    Map<String, String> headers = Map.of("Authorization", "Bearer " + token);
    ObjectNode body = parameters == null ? Json.object() : (ObjectNode) parameters.deepCopy();
    URI uri = PlatformHttp.resolve(baseUrl, "/" + method);
    PlatformHttp.Reply response =
        JSON_METHODS.contains(method)
            ? http.exchange(
                PLATFORM,
                "POST",
                uri,
                headers,
                "application/json; charset=utf-8",
                Json.write(body).getBytes(StandardCharsets.UTF_8))
            : http.exchange(
                PLATFORM,
                "POST",
                uri,
                headers,
                "application/x-www-form-urlencoded",
                form(body).getBytes(StandardCharsets.UTF_8));
    return answer(method, uri, response);
  }

  /**
   * {@code oauth.v2.access}: exchanges an install's authorization code for the workspace's tokens,
   * the app's credentials in an HTTP Basic header and the rest as a form, as Slack prefers.
   */
  static JsonNode oauthAccess(
      PlatformHttp http, SlackProperties app, String code, URI redirectUri) {
    String credentials =
        java.util.Base64.getEncoder()
            .encodeToString(
                (app.clientId() + ":" + app.clientSecret()).getBytes(StandardCharsets.UTF_8));
    ObjectNode form = Json.object();
    form.put("code", code);
    form.put("redirect_uri", redirectUri.toString());
    URI uri = PlatformHttp.resolve(app.apiBaseUrl(), "/oauth.v2.access");
    PlatformHttp.Reply response =
        http.exchange(
            PLATFORM,
            "POST",
            uri,
            Map.of("Authorization", "Basic " + credentials),
            "application/x-www-form-urlencoded",
            form(form).getBytes(StandardCharsets.UTF_8));
    return answer("oauth.v2.access", uri, response);
  }

  private static JsonNode answer(String method, URI uri, PlatformHttp.Reply response) {
    int status = response.status();
    if (status == 429) {
      throw PlatformHttp.rateLimited(PLATFORM, "POST", uri, response);
    }
    if (status >= 500) {
      throw new PlatformException(
          Kind.FAILED, PLATFORM, status, "Slack answered " + status + " to " + method + ".");
    }
    if (status < 200 || status >= 300) {
      throw new PlatformException(
          status >= 400 ? Kind.REJECTED : Kind.FAILED,
          PLATFORM,
          status,
          "Slack answered " + status + " to " + method + ".");
    }
    JsonNode answer = response.json(PLATFORM);
    if (answer == null || !answer.isObject() || !answer.path("ok").isBoolean()) {
      throw new PlatformException(
          Kind.FAILED, PLATFORM, status, "Slack answered " + method + " without an ok field.");
    }
    if (answer.get("ok").asBoolean()) {
      return answer;
    }
    throw refusal(method, answer, response);
  }

  private static PlatformException refusal(
      String method, JsonNode answer, PlatformHttp.Reply response) {
    String error = answer.path("error").asString("unknown_error");
    String detail = "Slack refused " + method + ": " + error;
    String body = Json.write(answer);
    if ("ratelimited".equals(error)) {
      return PlatformException.rateLimited(
          PLATFORM, 429, detail, PlatformHttp.retryAfter(response.retryAfter()));
    }
    if (TRANSIENT.contains(error)) {
      return new PlatformException(Kind.FAILED, PLATFORM, 503, detail, body);
    }
    if (TOKEN_DEAD.contains(error)) {
      return new PlatformException(
          Kind.REJECTED,
          PLATFORM,
          401,
          detail
              + " (the bot token no longer works: the app was uninstalled or its token revoked; install it again)",
          body);
    }
    if (NOT_PERMITTED.contains(error)) {
      String needed = answer.path("needed").asString(null);
      return new PlatformException(
          Kind.REJECTED,
          PLATFORM,
          403,
          detail
              + (needed == null
                  ? ""
                  : " (needs the scope " + needed + "; add it to the app and install it again)"),
          body);
    }
    return new PlatformException(Kind.REJECTED, PLATFORM, 400, detail, body);
  }

  /** Slack's error code in a refusal from this client, or null for any other failure. */
  static String error(PlatformException e) {
    JsonNode answer = e.responseJson();
    return answer == null ? null : answer.path("error").asString(null);
  }

  /**
   * Form parameters: text as it is, lists of plain values joined by commas, structures as JSON
   * text.
   */
  static String form(JsonNode parameters) {
    List<String> pairs = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : parameters.properties()) {
      JsonNode value = field.getValue();
      if (value == null || value.isNull() || value.isMissingNode()) {
        continue;
      }
      String text;
      if (value.isString()) {
        text = value.asString();
      } else if (value.isArray() && allPlain(value)) {
        List<String> items = new ArrayList<>();
        value.forEach(item -> items.add(item.asString()));
        text = String.join(",", items);
      } else if (value.isContainer()) {
        text = Json.write(value);
      } else {
        text = value.asString();
      }
      pairs.add(encode(field.getKey()) + "=" + encode(text));
    }
    return String.join("&", pairs);
  }

  private static boolean allPlain(JsonNode array) {
    for (JsonNode item : array) {
      if (item.isContainer() || item.isNull()) {
        return false;
      }
    }
    return true;
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}

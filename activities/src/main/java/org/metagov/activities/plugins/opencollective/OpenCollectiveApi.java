package org.metagov.activities.plugins.opencollective;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Open Collective's GraphQL v2 endpoint ({@code {server_url}/graphql/v2}) as the plugin uses it.
 *
 * <p>Every call is a {@code POST} of {@code {"operationName", "query", "variables"}}. The token
 * travels only in a header: {@code Personal-Token: <token>} for a personal token (what {@code
 * checkPersonalToken} in {@code server/middleware/authentication.ts} reads), or {@code
 * Authorization: Bearer <token>} for an OAuth access token ({@code token_type: oauth}). Open
 * Collective answers resolver errors with HTTP 200 and {@code errors[]}; they become {@link
 * Kind#REJECTED} with the messages (rate limiting, code {@code RateLimitExceeded}, stays
 * retryable). Its 401 answer to an unknown personal token echoes the token ({@code "Invalid
 * Personal Token (Api Key): <token>"}), so 401/403 details are rewritten and every detail this
 * class produces has the token masked.
 */
final class OpenCollectiveApi {

  static final String PLATFORM = "Open Collective";
  static final String GRAPHQL_PATH = "/graphql/v2";

  private static final Set<String> AUTH_CODES =
      Set.of("Unauthorized", "Forbidden", "InvalidToken", "UNAUTHENTICATED", "FORBIDDEN");
  private static final Pattern MESSAGE =
      Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final PluginContext context;

  OpenCollectiveApi(PluginContext context) {
    this.context = context;
  }

  PluginContext context() {
    return context;
  }

  String serverUrl() {
    return trimSlash(
        orDefault(context.configText("server_url"), OpenCollectivePlugin.DEFAULT_SERVER));
  }

  /** Where people see collectives and conversations (the website, not the API host). */
  String websiteUrl() {
    return trimSlash(
        orDefault(context.configText("website_url"), OpenCollectivePlugin.DEFAULT_WEBSITE));
  }

  String collectiveSlug() {
    return context.configText("collective_slug");
  }

  /**
   * Runs one GraphQL operation and returns its {@code data}.
   *
   * @param what what the call does, for error details ("create the conversation")
   */
  JsonNode call(String operationName, String document, ObjectNode variables, String what) {
    ObjectNode body = Json.object();
    body.put("operationName", operationName);
    body.put("query", document);
    body.set("variables", variables == null ? Json.object() : variables);
    URI uri = PlatformHttp.resolve(serverUrl(), GRAPHQL_PATH);
    JsonNode answer;
    try {
      answer = context.http().send(PLATFORM, "POST", uri, headers(), body);
    } catch (PlatformException e) {
      throw explain(e, what);
    }
    if (answer == null || !answer.isObject()) {
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          200,
          "Open Collective answered the request to " + what + " with an empty body.");
    }
    JsonNode errors = answer.get("errors");
    if (errors != null && errors.isArray() && !errors.isEmpty()) {
      throw graphQlErrors(errors, 200, what);
    }
    JsonNode data = answer.get("data");
    if (data == null || !data.isObject()) {
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          200,
          "Open Collective's answer to the request to " + what + " has no data.");
    }
    return data;
  }

  private Map<String, String> headers() {
    String token = context.configText("access_token");
    Map<String, String> headers = new LinkedHashMap<>();
    if (token != null && !token.isBlank()) {
      if ("oauth".equals(context.configText("token_type"))) {
        headers.put("Authorization", "Bearer " + token);
      } else {
        headers.put("Personal-Token", token);
      }
    }
    return headers;
  }

  /**
   * {@code errors[]} of a GraphQL answer as one exception: rate limits retryable, everything else
   * rejected.
   */
  private PlatformException graphQlErrors(JsonNode errors, int status, String what) {
    Set<String> messages = new LinkedHashSet<>();
    boolean rateLimited = false;
    boolean auth = false;
    for (JsonNode error : errors) {
      String message = error.path("message").asString("");
      if (!message.isBlank()) {
        messages.add(message.strip());
      }
      String code = error.path("extensions").path("code").asString("");
      rateLimited |= "RateLimitExceeded".equals(code);
      auth |= AUTH_CODES.contains(code);
    }
    // Masked before it is cut, so that a cut cannot leave part of the token unmasked.
    String joined =
        messages.isEmpty()
            ? "no reason given"
            : PlatformException.excerpt(mask(String.join("; ", messages)));
    String detail =
        "Open Collective rejected the request to "
            + what
            + ": "
            + joined
            + (joined.endsWith(".") ? "" : ".")
            + (auth
                ? " Check the access_token: it must belong to an admin of the collective and allow this."
                : "");
    if (rateLimited) {
      return new PlatformException(
          Kind.FAILED,
          PLATFORM,
          status,
          mask("Open Collective is rate-limiting requests to " + what + ": " + joined));
    }
    return new PlatformException(Kind.REJECTED, PLATFORM, status, mask(detail));
  }

  /** Rewrites what PlatformHttp threw into details that say what to fix, with the token masked. */
  private PlatformException explain(PlatformException e, String what) {
    int status = e.platformStatus();
    if (e.kind() != Kind.REJECTED || status == 0) {
      return new PlatformException(e.kind(), PLATFORM, status, mask(e.getMessage()));
    }
    return switch (status) {
      case 401, 403 ->
          new PlatformException(
              Kind.REJECTED,
              PLATFORM,
              status,
              "Open Collective refused the credentials ("
                  + status
                  + ") to "
                  + what
                  + ": check the access_token (and"
                  + " token_type: a personal token is sent as Personal-Token, an OAuth token as a Bearer token).");
      case 404, 405 ->
          new PlatformException(
              Kind.REJECTED,
              PLATFORM,
              status,
              "Open Collective answered "
                  + status
                  + " to the request to "
                  + what
                  + ": check the server_url (the API is"
                  + " served at {server_url}"
                  + GRAPHQL_PATH
                  + ").");
      case 429 ->
          new PlatformException(
              Kind.FAILED,
              PLATFORM,
              status,
              "Open Collective is rate-limiting requests (429) to " + what + "; try again later.");
      default -> {
        JsonNode body = e.responseJson();
        if (body != null && body.path("errors").isArray() && !body.path("errors").isEmpty()) {
          PlatformException graphQl = graphQlErrors(body.get("errors"), status, what);
          yield new PlatformException(Kind.REJECTED, PLATFORM, status, graphQl.getMessage());
        }
        List<String> messages = messagesIn(e.responseBody());
        String excerpt = PlatformException.excerpt(mask(e.responseBody()));
        String reason = PlatformException.excerpt(mask(String.join("; ", messages)));
        if (reason == null) {
          reason = excerpt == null ? "no reason given" : excerpt;
        }
        yield new PlatformException(
            Kind.REJECTED,
            PLATFORM,
            status,
            mask(
                "Open Collective rejected the request to "
                    + what
                    + " ("
                    + status
                    + "): "
                    + reason));
      }
    };
  }

  /** The message with the configured token replaced by the redaction placeholder. */
  String mask(String message) {
    String token = context.configText("access_token");
    if (message == null || token == null || token.isBlank()) {
      return message;
    }
    return message.replace(token, "********");
  }

  /** {@code "message": "..."} values in a (possibly truncated) JSON excerpt. */
  private static List<String> messagesIn(String excerpt) {
    List<String> messages = new ArrayList<>();
    if (excerpt == null) {
      return messages;
    }
    Matcher matcher = MESSAGE.matcher(excerpt);
    while (matcher.find()) {
      messages.add(matcher.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return messages;
  }

  static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}

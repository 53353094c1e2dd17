package org.metagov.activities.plugins.github;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.databind.JsonNode;

/**
 * GitHub's REST API as the plugin calls it, with the credential in an {@code Authorization: Bearer}
 * header (never in a URL, a body or a message) and the API version pinned. GitHub's answers become
 * {@link PlatformException}s whose kind says whether retrying helps: its rate limits come as 429,
 * or as 403 with {@code Retry-After} (a secondary limit) or {@code X-RateLimit-Remaining: 0} (the
 * primary one, whose reset {@link PlatformHttp} turns into the wait); other refusals carry GitHub's
 * {@code message} and the body for the plugin to read.
 */
final class GitHubApi {

  static final String PLATFORM = "GitHub";
  static final String API_VERSION = "2022-11-28";

  private GitHubApi() {}

  /**
   * Sends a request and returns GitHub's JSON answer (null for an empty one, such as a 204).
   *
   * @param path the API path, such as {@code /app/installations/42}; its segments already encoded
   */
  static JsonNode call(
      PlatformHttp http, String baseUrl, String bearer, String method, String path, JsonNode body) {
    URI uri = PlatformHttp.resolve(baseUrl, path);
    Map<String, String> headers =
        Map.of(
            "Accept",
            "application/vnd.github+json",
            "X-GitHub-Api-Version",
            API_VERSION,
            "Authorization",
            "Bearer " + bearer);
    PlatformHttp.Reply reply =
        http.exchange(
            PLATFORM,
            method,
            uri,
            headers,
            body == null ? null : "application/json",
            body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8));
    int status = reply.status();
    if (status == 429
        || (status == 403 && (reply.retryAfter() != null || mentionsRateLimit(reply)))) {
      throw PlatformHttp.rateLimited(PLATFORM, method, uri, reply);
    }
    if (status >= 400) {
      throw refusal(method, path, reply);
    }
    if (status >= 300) {
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          status,
          "GitHub answered a redirect ("
              + status
              + ") to "
              + method
              + " "
              + path
              + "; check GITHUB_API_BASE_URL");
    }
    return reply.json(PLATFORM);
  }

  private static PlatformException refusal(String method, String path, PlatformHttp.Reply reply) {
    int status = reply.status();
    String message = message(reply);
    String detail =
        "GitHub answered "
            + status
            + " to "
            + method
            + " "
            + path
            + (message == null ? "" : ": " + PlatformException.excerpt(message));
    return new PlatformException(
        status >= 500 ? Kind.FAILED : Kind.REJECTED, PLATFORM, status, detail, reply.body());
  }

  /** GitHub's error {@code message}, or null when the answer is not GitHub's JSON error. */
  static String message(PlatformHttp.Reply reply) {
    try {
      JsonNode json = reply.json(PLATFORM);
      return json == null ? null : json.path("message").asString(null);
    } catch (PlatformException notJson) {
      return null;
    }
  }

  /**
   * A 403 whose message says it is a rate limit, for answers that came without the headers saying
   * so.
   */
  private static boolean mentionsRateLimit(PlatformHttp.Reply reply) {
    String message = message(reply);
    return message != null && message.toLowerCase(Locale.ROOT).contains("rate limit");
  }
}

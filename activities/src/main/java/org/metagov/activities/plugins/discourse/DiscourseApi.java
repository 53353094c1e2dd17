package org.metagov.activities.plugins.discourse;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Discourse's REST API as the plugin uses it: {@code Api-Key} and {@code Api-Username} headers
 * (never a URL or an error message), and Discourse's {@code {"errors": [...]}} answers turned into
 * details.
 */
final class DiscourseApi {

  static final String PLATFORM = "Discourse";

  private final PluginContext context;

  DiscourseApi(PluginContext context) {
    this.context = context;
  }

  String serverUrl() {
    String url = context.configText("server_url");
    if (url == null || url.isBlank()) {
      throw new PlatformException(
          Kind.REJECTED, PLATFORM, 0, "The discourse plugin has no server_url configured.");
    }
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  JsonNode get(String path, String what) {
    return call("GET", path, null, what);
  }

  JsonNode post(String path, JsonNode body, String what) {
    return call("POST", path, body, what);
  }

  JsonNode put(String path, JsonNode body, String what) {
    return call("PUT", path, body, what);
  }

  JsonNode delete(String path, String what) {
    return call("DELETE", path, null, what);
  }

  private JsonNode call(String method, String path, JsonNode body, String what) {
    try {
      return context
          .http()
          .send(PLATFORM, method, PlatformHttp.resolve(serverUrl(), path), headers(), body);
    } catch (PlatformException e) {
      throw explain(e, what);
    }
  }

  private Map<String, String> headers() {
    Map<String, String> headers = new LinkedHashMap<>();
    String key = context.configText("api_key");
    if (key != null && !key.isBlank()) {
      headers.put("Api-Key", key);
    }
    String username = context.configText("api_username");
    headers.put("Api-Username", username == null || username.isBlank() ? "system" : username);
    return headers;
  }

  /**
   * The id of the topic created with this {@code external_id}, or empty when there is none.
   * Discourse answers {@code GET /t/external_id/{id}.json} with a redirect to {@code
   * /t/{slug}/{topic_id}.json}, which is read, not followed (so the key headers never leave the
   * server).
   */
  Optional<Long> topicIdByExternalId(String externalId) {
    URI uri =
        PlatformHttp.resolve(
            serverUrl(),
            "/t/external_id/" + URLEncoder.encode(externalId, StandardCharsets.UTF_8) + ".json");
    PlatformHttp.Reply reply;
    try {
      reply = context.http().exchange(PLATFORM, "GET", uri, headers(), null);
    } catch (PlatformException e) {
      throw explain(e, "look up topic " + externalId);
    }
    int status = reply.status();
    if (status == 404) {
      return Optional.empty();
    }
    if (status >= 300 && status < 400) {
      String location = reply.location() == null ? "" : reply.location();
      java.util.regex.Matcher id =
          java.util.regex.Pattern.compile("/t/(?:[^/?#]+/)?(\\d+)(?:[/.?#]|$)").matcher(location);
      if (id.find()) {
        return Optional.of(Long.parseLong(id.group(1)));
      }
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          status,
          "Discourse redirected the lookup of topic " + externalId + " to an unexpected place.");
    }
    if (status >= 200 && status < 300) {
      // A server (or proxy) that followed the redirect itself answers with the topic.
      try {
        JsonNode topic = Json.parse(reply.body());
        if (topic.path("id").isNumber()) {
          return Optional.of(topic.get("id").asLong());
        }
      } catch (JacksonException e) {
        // fall through
      }
      throw new PlatformException(
          Kind.FAILED,
          PLATFORM,
          status,
          "Discourse answered the lookup of topic " + externalId + " without a topic id.");
    }
    throw explain(
        context.http().failure(PLATFORM, "GET", uri, reply), "look up topic " + externalId);
  }

  /**
   * Rewrites Discourse's 4xx answers into details that say what to fix; other failures pass
   * unchanged.
   */
  static PlatformException explain(PlatformException e, String what) {
    if (e.kind() != Kind.REJECTED || e.platformStatus() == 0) {
      return e;
    }
    int status = e.platformStatus();
    String reasons = errors(e);
    String detail =
        switch (status) {
          case 401, 403 ->
              "Discourse refused to "
                  + what
                  + " ("
                  + status
                  + "): check the api_key and api_username, and that"
                  + " the user may do this"
                  + (reasons == null ? "." : " (" + reasons + ")");
          case 404 ->
              "Discourse could not find what was needed to "
                  + what
                  + " (404): it was deleted, or the api_username cannot see it.";
          case 429 -> "Discourse is rate-limiting requests (429) to " + what + "; try again later.";
          default ->
              "Discourse rejected the request to "
                  + what
                  + " ("
                  + status
                  + ")"
                  + (reasons == null ? "." : ": " + reasons);
        };
    return new PlatformException(
        status == 429 ? Kind.FAILED : Kind.REJECTED, PLATFORM, status, detail);
  }

  /**
   * {@code {"errors": ["Title is too short"]}} as {@code Title is too short}; null when unreadable.
   */
  static String errors(PlatformException e) {
    JsonNode body = e.responseJson();
    JsonNode errors = body == null ? null : body.get("errors");
    if (errors != null && errors.isArray() && !errors.isEmpty()) {
      List<String> messages = new ArrayList<>();
      errors.forEach(m -> messages.add(m.asString()));
      return PlatformException.excerpt(String.join("; ", messages));
    }
    String excerpt = e.responseExcerpt();
    return excerpt == null || excerpt.isBlank() ? null : excerpt;
  }
}

package org.metagov.activities.plugins.loomio;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import tools.jackson.databind.JsonNode;

/**
 * Loomio's {@code api/b2} as the plugin uses it: the key travels only in the {@code Authorization:
 * Bearer} header (Loomio refuses keys in the query string, and a header never reaches an error
 * message), and Loomio's error answers become details a Driver can act on.
 */
final class LoomioApi {

  static final String PLATFORM = "Loomio";

  private final PluginContext context;

  LoomioApi(PluginContext context) {
    this.context = context;
  }

  String serverUrl() {
    String url = context.configText("server_url");
    url = url == null || url.isBlank() ? LoomioPlugin.DEFAULT_SERVER : url;
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  JsonNode get(String path, Map<String, Object> query, String what) {
    return call("GET", path, query, null, what);
  }

  JsonNode post(String path, JsonNode body, String what) {
    return call("POST", path, Map.of(), body, what);
  }

  private JsonNode call(
      String method, String path, Map<String, Object> query, JsonNode body, String what) {
    URI uri = PlatformHttp.resolve(serverUrl(), path + queryString(query));
    try {
      return context.http().send(PLATFORM, method, uri, headers(), body);
    } catch (PlatformException e) {
      throw explain(e, what);
    }
  }

  private Map<String, String> headers() {
    String key = context.configText("api_key");
    Map<String, String> headers = new LinkedHashMap<>();
    if (key != null && !key.isBlank()) {
      headers.put("Authorization", "Bearer " + key);
    }
    return headers;
  }

  private static String queryString(Map<String, Object> query) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, Object> entry : query.entrySet()) {
      if (entry.getValue() == null) {
        continue;
      }
      text.append(text.length() == 0 ? '?' : '&')
          .append(URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8))
          .append('=')
          .append(URLEncoder.encode(String.valueOf(entry.getValue()), StandardCharsets.UTF_8));
    }
    return text.toString();
  }

  /**
   * Rewrites Loomio's 4xx answers into details that say what to fix; other failures pass unchanged.
   */
  static PlatformException explain(PlatformException e, String what) {
    if (e.kind() != Kind.REJECTED || e.platformStatus() == 0) {
      return e;
    }
    int status = e.platformStatus();
    String detail =
        switch (status) {
          case 401, 403 ->
              "Loomio refused to "
                  + what
                  + " ("
                  + status
                  + "): check the api_key, and that its user"
                  + " belongs to the group and may do this there.";
          case 404 ->
              "Loomio could not find what was needed to "
                  + what
                  + " (404): the poll, discussion or group"
                  + " does not exist, or the api_key's user cannot see it.";
          case 422 -> "Loomio rejected the request to " + what + ": " + validationErrors(e);
          case 429 -> "Loomio is rate-limiting requests (429) to " + what + "; try again later.";
          default -> "Loomio answered " + status + " to the request to " + what + errorText(e);
        };
    Kind kind = status == 429 ? Kind.FAILED : Kind.REJECTED;
    return new PlatformException(kind, PLATFORM, status, detail);
  }

  /** {@code {"errors": {"title": ["can't be blank"]}}} as {@code title can't be blank}. */
  private static String validationErrors(PlatformException e) {
    JsonNode body = e.responseJson();
    JsonNode errors = body == null ? null : body.get("errors");
    if (errors != null && errors.isObject() && !errors.isEmpty()) {
      List<String> parts = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : errors.properties()) {
        List<String> messages = new ArrayList<>();
        if (field.getValue().isArray()) {
          field.getValue().forEach(m -> messages.add(m.asString()));
        } else {
          messages.add(field.getValue().asString());
        }
        parts.add(field.getKey() + " " + String.join(", ", messages));
      }
      return PlatformException.excerpt(String.join("; ", parts)) + ".";
    }
    String raw = e.responseExcerpt();
    return raw == null ? "no reason given (422)." : raw;
  }

  private static String errorText(PlatformException e) {
    String raw = e.responseExcerpt();
    return raw == null ? "." : ": " + raw;
  }
}

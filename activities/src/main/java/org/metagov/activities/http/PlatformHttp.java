package org.metagov.activities.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The HTTP client every plugin uses to talk to its platform. It turns each way a call can go wrong into
 * a {@link PlatformException} whose kind says whether a retry can help, and never puts request headers
 * (where API keys travel) into an error message.
 */
public final class PlatformHttp {

  private static final int MAX_KEPT_BODY = 64 * 1024;

  private final HttpClient client;
  private final Duration requestTimeout;

  public PlatformHttp(Duration connectTimeout, Duration requestTimeout) {
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.requestTimeout = requestTimeout;
  }

  public JsonNode get(String platform, URI uri, Map<String, String> headers) {
    return send(platform, "GET", uri, headers, null);
  }

  /** Sends a request with an optional JSON body and returns the parsed JSON answer (null for an empty body). */
  public JsonNode send(String platform, String method, URI uri, Map<String, String> headers, JsonNode body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json");
    headers.forEach(request::header);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
    }
    HttpResponse<String> response = exchange(platform, method, uri, request.build());
    int status = response.statusCode();
    if (status >= 400) {
      Kind kind = status < 500 ? Kind.REJECTED : Kind.FAILED;
      String answer = response.body();
      PlatformException rejected = new PlatformException(kind, platform, status, null,
          answer != null && answer.length() > MAX_KEPT_BODY ? answer.substring(0, MAX_KEPT_BODY) : answer);
      String excerpt = rejected.responseExcerpt();
      throw new PlatformException(kind, platform, status,
          platform + " answered " + status + " to " + method + " " + describe(uri) + (excerpt == null ? "" : ": " + excerpt),
          rejected.responseBody());
    }
    if (status >= 300) {
      throw new PlatformException(
          Kind.FAILED, platform, status,
          platform + " answered a redirect (" + status + ") to " + method + " " + describe(uri)
              + "; check the plugin's server_url");
    }
    String text = response.body();
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Json.parse(text);
    } catch (JacksonException e) {
      throw new PlatformException(
          Kind.FAILED, platform, status,
          platform + " answered " + method + " " + describe(uri) + " with a body that is not JSON");
    }
  }

  private HttpResponse<String> exchange(String platform, String method, URI uri, HttpRequest request) {
    try {
      return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw new PlatformException(
          Kind.UNREACHABLE, platform, 0, platform + " could not be reached at " + describe(uri) + " (connect timed out)");
    } catch (HttpTimeoutException e) {
      throw new PlatformException(
          Kind.TIMEOUT, platform, 0,
          platform + " did not answer " + method + " " + describe(uri) + " within " + requestTimeout.toSeconds() + "s");
    } catch (ConnectException e) {
      throw new PlatformException(
          Kind.UNREACHABLE, platform, 0, platform + " could not be reached at " + describe(uri) + " (connection refused)");
    } catch (IOException e) {
      throw new PlatformException(
          Kind.UNREACHABLE, platform, 0, platform + " could not be reached at " + describe(uri) + " (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException(Kind.UNREACHABLE, platform, 0, "interrupted while calling " + platform);
    }
  }

  /** The URL without its query string, which may carry tokens on some platforms. */
  private static String describe(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
  }


  /** Joins a configured base URL and an API path, tolerating a trailing slash on the base. */
  public static URI resolve(String baseUrl, String path) {
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return URI.create(base + path);
  }
}

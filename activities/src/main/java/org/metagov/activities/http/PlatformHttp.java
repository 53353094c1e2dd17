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
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    if (status == 429) {
      throw rateLimited(platform, method, uri, new Response(status, response.headers().map(), response.body()));
    }
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

  /** A platform's answer, whatever its status. Header names are matched ignoring case. */
  public record Response(int status, Map<String, List<String>> headers, String body) {

    public Optional<String> header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty())
          .map(e -> e.getValue().get(0))
          .findFirst();
    }

    /** The body as JSON; null when it is empty. A body that is not JSON is a platform fault. */
    public JsonNode json(String platform) {
      if (body == null || body.isBlank()) {
        return null;
      }
      try {
        return Json.parse(body);
      } catch (JacksonException e) {
        throw new PlatformException(Kind.FAILED, platform, status, platform + " answered with a body that is not JSON");
      }
    }
  }

  /**
   * Sends a request and returns the platform's answer whatever its status, for plugins whose platform says more
   * than its status does (Slack answers errors as {@code 200 {"ok": false}}). Throws only when no answer came.
   *
   * @param contentType the body's media type, or null with a null body
   */
  public Response exchange(String platform, String method, URI uri, Map<String, String> headers, String contentType,
      byte[] body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(requestTimeout).header("Accept", "application/json");
    headers.forEach(request::header);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", contentType);
      request.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    }
    HttpResponse<String> response = exchange(platform, method, uri, request.build());
    String text = response.body();
    return new Response(response.statusCode(), response.headers().map(),
        text != null && text.length() > MAX_KEPT_BODY ? text.substring(0, MAX_KEPT_BODY) : text);
  }

  /**
   * The exception for a platform's 429: retryable, after the wait its {@code Retry-After} header names (seconds,
   * or an HTTP date), bounded to an hour.
   */
  public static PlatformException rateLimited(String platform, String method, URI uri, Response response) {
    Duration wait = response.header("Retry-After").map(PlatformHttp::retryAfter).orElse(null);
    return PlatformException.rateLimited(platform, response.status(),
        platform + " is rate limiting " + method + " " + describe(uri) + (wait == null ? "" : "; retry after " + wait.toSeconds() + "s"),
        wait);
  }

  /** Parses a {@code Retry-After} value: delta seconds (fractions allowed, as Discord sends) or an HTTP date. */
  public static Duration retryAfter(String value) {
    String text = value == null ? "" : value.trim();
    Duration wait;
    try {
      wait = Duration.ofMillis((long) Math.ceil(Double.parseDouble(text) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        wait = Duration.between(java.time.Instant.now(),
            java.time.ZonedDateTime.parse(text, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (java.time.format.DateTimeParseException notDate) {
        return null;
      }
    }
    if (wait.isNegative()) {
      return Duration.ZERO;
    }
    return wait.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : wait;
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

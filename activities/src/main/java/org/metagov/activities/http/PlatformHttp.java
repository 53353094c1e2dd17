package org.metagov.activities.http;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp.Answer;
import org.metagov.activities.http.OutboundHttp.Failure;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The HTTP client every plugin uses to talk to its platform, over {@link OutboundHttp} (so the
 * outbound URL policy, the deadline and the answer size cap apply). It turns each way a call can go
 * wrong into a {@link PlatformException} whose kind says whether a retry can help, and never puts
 * request headers (where API keys travel) or the URL's query into an error message.
 */
public final class PlatformHttp {

  /** The most of an error answer kept for plugins to read the platform's reasons from. */
  private static final int MAX_KEPT_ERROR = 64 * 1024;

  /**
   * A platform's answer, whatever its status.
   *
   * @param contentType its {@code Content-Type}, or null
   * @param location its {@code Location} header (redirects are never followed), or null
   * @param retryAfter its {@code Retry-After} header, or null
   * @param body the body as text; for a status of 400 or more possibly only its beginning
   */
  public record Reply(
      int status, String contentType, String location, String retryAfter, String body) {

    /** The body as JSON; null when it is empty. A body that is not JSON is a platform fault. */
    public JsonNode json(String platform) {
      if (body == null || body.isBlank()) {
        return null;
      }
      try {
        return Json.parse(body);
      } catch (JacksonException e) {
        throw new PlatformException(
            Kind.FAILED, platform, status, platform + " answered with a body that is not JSON");
      }
    }
  }

  private final OutboundHttp http;
  private final PlatformRateLimiter limiter;
  private final Runnable progress;
  private final PlatformRateLimiter.Priority priority;

  /** A client whose calls no rate limiter holds back. */
  public PlatformHttp(OutboundUrlPolicy policy, OutboundHttp.Limits limits) {
    this(policy, limits, null);
  }

  /**
   * @param limiter holds every call to a platform instance to that platform's rate, or null for
   *     none
   */
  public PlatformHttp(
      OutboundUrlPolicy policy, OutboundHttp.Limits limits, PlatformRateLimiter limiter) {
    this(new OutboundHttp(policy, limits), limiter, () -> {}, PlatformRateLimiter.Priority.FIRST);
  }

  private PlatformHttp(
      OutboundHttp http,
      PlatformRateLimiter limiter,
      Runnable progress,
      PlatformRateLimiter.Priority priority) {
    this.http = http;
    this.limiter = limiter;
    this.progress = progress;
    this.priority = priority;
  }

  /**
   * This client (its connections and its rate limits), telling {@code progress} before it waits for
   * a token and again before it sends: an activity heartbeats there, so a worker that dies during a
   * call is noticed within one request deadline and a little more.
   */
  public PlatformHttp reportingProgress(Runnable progress) {
    return new PlatformHttp(http, limiter, progress, priority);
  }

  /**
   * This client for re-reads, whose calls wait behind any call that makes or ends something on the
   * same platform instance ({@link PlatformRateLimiter.Priority#REREAD}).
   */
  public PlatformHttp rereading() {
    return new PlatformHttp(http, limiter, progress, PlatformRateLimiter.Priority.REREAD);
  }

  public JsonNode get(String platform, URI uri, Map<String, String> headers) {
    return send(platform, "GET", uri, headers, null);
  }

  /**
   * Sends a request with an optional JSON body and returns the parsed JSON answer (null for an
   * empty body).
   */
  public JsonNode send(
      String platform, String method, URI uri, Map<String, String> headers, JsonNode body) {
    Reply reply = exchange(platform, method, uri, headers, body);
    int status = reply.status();
    if (status == 429) {
      throw rateLimited(platform, method, uri, reply);
    }
    if (status >= 400) {
      throw failure(platform, method, uri, reply);
    }
    if (status >= 300) {
      throw new PlatformException(
          Kind.FAILED,
          platform,
          status,
          platform
              + " answered a redirect ("
              + status
              + ") to "
              + method
              + " "
              + OutboundHttp.describe(uri)
              + "; check the plugin's server_url");
    }
    String text = reply.body();
    if (text.isBlank()) {
      return null;
    }
    try {
      return Json.parse(text);
    } catch (JacksonException e) {
      throw new PlatformException(
          Kind.FAILED,
          platform,
          status,
          platform
              + " answered "
              + method
              + " "
              + OutboundHttp.describe(uri)
              + " with a body that is not JSON");
    }
  }

  /**
   * Sends a request and returns the answer whatever its status, for the few calls that read a
   * redirect or a 404 themselves. Throws only when no usable answer came: nothing, or one larger
   * than the size cap (an error answer is cut instead, since its status says what matters).
   */
  public Reply exchange(
      String platform, String method, URI uri, Map<String, String> headers, JsonNode body) {
    return exchange(
        platform,
        method,
        uri,
        headers,
        body == null ? null : "application/json",
        body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Like {@link #exchange(String, String, URI, Map, JsonNode)} with a body of any type, for
   * platforms that want forms on some calls, or whose answers say more than their status (Slack
   * answers errors as {@code 200 {"ok": false}}).
   *
   * @param contentType the body's media type, or null with a null body
   */
  public Reply exchange(
      String platform,
      String method,
      URI uri,
      Map<String, String> headers,
      String contentType,
      byte[] bytes) {
    Map<String, String> sent = new LinkedHashMap<>();
    sent.put("Accept", "application/json");
    if (bytes != null) {
      sent.put("Content-Type", contentType);
    }
    sent.putAll(headers);
    String instance = instance(uri, headers);
    progress.run();
    throttle(platform, method, uri, instance);
    progress.run();
    Answer answer;
    try {
      answer = http.exchange(new OutboundHttp.Request(method, uri, sent, bytes));
    } catch (Failure e) {
      throw unanswered(platform, method, uri, e);
    }
    pauseIfAsked(platform, instance, answer);
    if (!answer.complete() && answer.status() < 400) {
      throw new PlatformException(
          Kind.FAILED,
          platform,
          answer.status(),
          platform
              + " answered "
              + method
              + " "
              + OutboundHttp.describe(uri)
              + " with more than "
              + size(http.limits().maxAnswerBytes())
              + ", the most this deployment reads from a platform");
    }
    return new Reply(
        answer.status(),
        answer.contentType(),
        answer.location(),
        answer.retryAfter(),
        answer.text());
  }

  /**
   * The exception for an error answer (400 or more): REJECTED for 4xx, FAILED for 5xx, with the
   * status and a short, sanitized excerpt of a textual body in its message, and the body's
   * beginning for the plugin.
   */
  public PlatformException failure(String platform, String method, URI uri, Reply reply) {
    int status = reply.status();
    Kind kind = status < 500 ? Kind.REJECTED : Kind.FAILED;
    String body = textual(reply.contentType()) ? reply.body() : null;
    if (body != null && body.length() > MAX_KEPT_ERROR) {
      body = body.substring(0, MAX_KEPT_ERROR);
    }
    String excerpt = PlatformException.excerpt(body);
    return new PlatformException(
        kind,
        platform,
        status,
        platform
            + " answered "
            + status
            + " to "
            + method
            + " "
            + OutboundHttp.describe(uri)
            + (excerpt == null ? "" : ": " + excerpt),
        body);
  }

  /**
   * The exception for a platform's 429: retryable, after the wait its {@code Retry-After} header
   * names (seconds, or an HTTP date), bounded to an hour.
   */
  public static PlatformException rateLimited(
      String platform, String method, URI uri, Reply reply) {
    Duration wait = requestedWait(reply.contentType(), reply.retryAfter(), reply.body());
    return PlatformException.rateLimited(
        platform,
        reply.status(),
        platform
            + " is rate limiting "
            + method
            + " "
            + OutboundHttp.describe(uri)
            + (wait == null ? "" : "; retry after " + wait.toSeconds() + "s"),
        wait);
  }

  /**
   * The wait a rate-limit answer names: its {@code Retry-After} header or, as Discord sends it, its
   * body; or null.
   */
  private static Duration requestedWait(String contentType, String retryAfter, String body) {
    Duration wait = retryAfter(retryAfter);
    if (wait == null && body != null && textual(contentType)) {
      // Discord also says it in the body: {"retry_after": 1.5, "global": false}.
      try {
        JsonNode json = Json.parse(body);
        if (json != null && json.path("retry_after").isNumber()) {
          wait = retryAfter(json.path("retry_after").asString());
        }
      } catch (JacksonException | IllegalArgumentException notJson) {
        // no wait named in the body either
      }
    }
    return wait;
  }

  /**
   * The platform instance a call's rate is metered against: the server, and the credential the call
   * is made with, since platforms count per token (a Slack workspace's bot token, a GitHub
   * installation's token). The credential is kept only as a digest.
   */
  static String instance(URI uri, Map<String, String> headers) {
    String server = uri.getScheme() + "://" + uri.getRawAuthority();
    String credential = null;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("Authorization")) {
        credential = header.getValue();
      }
    }
    if (credential == null) {
      return server;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(credential.getBytes(StandardCharsets.UTF_8));
      return server + " " + HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java runtime has SHA-256.", e);
    }
  }

  /**
   * Takes a token for the call, or fails it as rate limited when none comes within the limiter's
   * longest wait.
   */
  private void throttle(String platform, String method, URI uri, String instance) {
    if (limiter == null) {
      return;
    }
    try {
      limiter.acquire(platform, instance, priority);
    } catch (PlatformRateLimiter.Refused refused) {
      throw PlatformException.rateLimited(
          platform,
          0,
          method
              + " "
              + OutboundHttp.describe(uri)
              + " is held back by this deployment's rate limit for "
              + platform
              + "; retry after "
              + Math.max(1, (refused.retryAfter().toMillis() + 999) / 1000)
              + "s",
          refused.retryAfter());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException(
          Kind.TIMEOUT,
          platform,
          0,
          method
              + " "
              + OutboundHttp.describe(uri)
              + " was interrupted while waiting for "
              + platform
              + "'s rate limit");
    }
  }

  /**
   * A {@code 429}, or any answer naming a wait (a {@code Retry-After}, or GitHub's used-up window),
   * pauses every call to the instance until then; a {@code 429} that names none pauses it for a
   * second.
   */
  private void pauseIfAsked(String platform, String instance, Answer answer) {
    if (limiter == null) {
      return;
    }
    Duration wait =
        requestedWait(
            answer.contentType(),
            answer.retryAfter(),
            answer.status() == 429 ? answer.text() : null);
    if (wait == null && answer.status() == 429) {
      wait = Duration.ofSeconds(1);
    }
    if (wait != null && !wait.isZero()) {
      limiter.pause(platform, instance, wait);
    }
  }

  /**
   * Parses a {@code Retry-After} value: delta seconds (fractions allowed, as Discord sends) or an
   * HTTP date; null when there is none or it cannot be read.
   */
  public static Duration retryAfter(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String text = value.trim();
    Duration wait;
    try {
      wait = Duration.ofMillis((long) Math.ceil(Double.parseDouble(text) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        wait =
            Duration.between(
                Instant.now(),
                ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
    if (wait.isNegative()) {
      return Duration.ZERO;
    }
    return wait.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : wait;
  }

  private PlatformException unanswered(String platform, String method, URI uri, Failure e) {
    String where = OutboundHttp.describe(uri);
    return switch (e.reason()) {
      case REFUSED, UNUSABLE_URL ->
          new PlatformException(
              Kind.REJECTED,
              platform,
              0,
              platform + " cannot be called at " + where + ": the URL " + e.getMessage());
      case TIMEOUT ->
          new PlatformException(
              Kind.TIMEOUT,
              platform,
              0,
              platform
                  + " did not answer "
                  + method
                  + " "
                  + where
                  + " within "
                  + OutboundHttp.seconds(http.limits().deadline()));
      case UNRESOLVED, CONNECT_TIMEOUT, CONNECTION_REFUSED, BROKEN ->
          new PlatformException(
              Kind.UNREACHABLE,
              platform,
              0,
              platform + " could not be reached at " + where + " (" + e.getMessage() + ")");
    };
  }

  /**
   * Whether an answer with this {@code Content-Type} is text worth quoting: text, JSON, XML and
   * forms, or an answer that does not say (most error pages). Images, archives and other binary
   * answers are not.
   */
  static boolean textual(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return true;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return type.startsWith("text/")
        || type.equals("application/json")
        || type.endsWith("+json")
        || type.equals("application/xml")
        || type.endsWith("+xml")
        || type.equals("application/x-www-form-urlencoded")
        || type.equals("application/javascript");
  }

  /** A byte count as the setting is written: {@code 4MB}, {@code 512KB}, {@code 1000B}. */
  static String size(long bytes) {
    if (bytes % (1024 * 1024) == 0) {
      return bytes / (1024 * 1024) + "MB";
    }
    return bytes % 1024 == 0 ? bytes / 1024 + "KB" : bytes + "B";
  }

  /** Joins a configured base URL and an API path, tolerating a trailing slash on the base. */
  public static URI resolve(String baseUrl, String path) {
    String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    return URI.create(base + path);
  }
}

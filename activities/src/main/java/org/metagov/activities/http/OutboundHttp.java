package org.metagov.activities.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.DefaultSchemePortResolver;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.impl.routing.DefaultRoutePlanner;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.io.ModalCloseable;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.delivery.OutboundUrlPolicy.RefusedAddressException;

/**
 * The one HTTP client for calls whose target a tenant or a Driver chooses: plugins calling their
 * platform's {@code server_url}, and callbacks and events POSTed to the Driver. Every call
 *
 * <ul>
 *   <li>is judged by the {@link OutboundUrlPolicy} before anything is sent (the URL's form, an IP
 *       literal's address) and when its connection is made: the host name is looked up once,
 *       through the policy, and the addresses judged are the addresses connected to;
 *   <li>follows no redirect, goes through no proxy (which would look the name up itself), keeps no
 *       cookies and retries nothing;
 *   <li>has one deadline for everything: the wait for a pooled connection, the lookup and connect,
 *       sending, the answer's headers and its body. When it passes, the call is aborted however
 *       slowly the other side keeps sending;
 *   <li>reads at most {@link Limits#maxAnswerBytes()} of an answer's body, and closes the
 *       connection rather than read on.
 * </ul>
 *
 * Every way a call can fail comes as a {@link Failure} whose {@link Reason} callers map to their
 * own outcomes.
 */
public final class OutboundHttp implements AutoCloseable {

  /** Enough for every activity slot of a worker to call the same platform at once. */
  private static final int MAX_CONNECTIONS_PER_ROUTE = 200;

  private static final int MAX_CONNECTIONS = 400;
  private static final String USER_AGENT = "metagov-temporal";

  /** Aborts calls whose deadline passed; one daemon thread for the whole process. */
  private static final ScheduledThreadPoolExecutor DEADLINES = deadlineScheduler();

  /**
   * @param connectTimeout the longest wait for a TCP connection (it never extends the deadline)
   * @param deadline the whole call, from the wait for a connection to the answer's last byte
   * @param maxAnswerBytes the most of an answer's body that is read
   */
  public record Limits(Duration connectTimeout, Duration deadline, long maxAnswerBytes) {

    public Limits {
      if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException(
            "The connect timeout must be positive, not " + connectTimeout + ".");
      }
      if (deadline == null || deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException(
            "The request timeout must be positive, not " + deadline + ".");
      }
      if (maxAnswerBytes <= 0 || maxAnswerBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "The largest answer must be between 1 byte and 2 GB, not " + maxAnswerBytes + ".");
      }
    }
  }

  /**
   * @param headers sent as they are; a body's {@code Content-Type} is one of them
   * @param body the bytes to send, or null for none
   */
  public record Request(String method, URI uri, Map<String, String> headers, byte[] body) {}

  /**
   * What the other side answered.
   *
   * @param contentType the {@code Content-Type} header, or null
   * @param location the {@code Location} header (of a redirect, which is never followed), or null
   * @param retryAfter the {@code Retry-After} header (of a 429 or 503), or the seconds until {@code
   *     X-RateLimit-Reset} when {@code X-RateLimit-Remaining} is 0, or null
   * @param body the body as far as it was read: all of it when {@code complete}, else its first
   *     {@link Limits#maxAnswerBytes()}
   * @param complete false when the body was larger than {@link Limits#maxAnswerBytes()} and the
   *     rest was not read
   */
  public record Answer(
      int status,
      String contentType,
      String location,
      String retryAfter,
      byte[] body,
      boolean complete) {

    /** The body decoded as UTF-8, malformed input replaced. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** Why a call got no answer. */
  public enum Reason {
    /** The policy refuses the URL, or an address its host resolved to; nothing was sent. */
    REFUSED,
    /** The HTTP client cannot use the URL (a port out of range, say); nothing was sent. */
    UNUSABLE_URL,
    /** The host name does not resolve. */
    UNRESOLVED,
    /** No TCP connection within the connect timeout. */
    CONNECT_TIMEOUT,
    /** The connection was refused. */
    CONNECTION_REFUSED,
    /** The deadline passed before the whole answer had arrived. */
    TIMEOUT,
    /** Anything else on the way: a reset, a TLS failure, a malformed answer. */
    BROKEN
  }

  /**
   * A call that got no answer. Its message never holds the URL's query, credentials or any header.
   */
  public static final class Failure extends Exception {

    private final Reason reason;

    Failure(Reason reason, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  private final OutboundUrlPolicy policy;
  private final Limits limits;
  private final CloseableHttpClient client;

  public OutboundHttp(OutboundUrlPolicy policy, Limits limits) {
    this.policy = policy;
    this.limits = limits;
    Timeout deadline = Timeout.of(limits.deadline());
    Timeout connect =
        Timeout.of(
            limits.connectTimeout().compareTo(limits.deadline()) < 0
                ? limits.connectTimeout()
                : limits.deadline());
    this.client =
        HttpClients.custom()
            .setConnectionManager(
                PoolingHttpClientConnectionManagerBuilder.create()
                    .setDnsResolver(new PolicyResolver(policy))
                    .setTlsSocketStrategy(DefaultClientTlsStrategy.createSystemDefault())
                    // The socket timeout only backs the deadline up: a trickle of bytes never trips
                    // it. A pooled
                    // connection idle for a while is checked before reuse, since nothing retries a
                    // request sent on a
                    // connection the other side had closed.
                    .setDefaultConnectionConfig(
                        ConnectionConfig.custom()
                            .setConnectTimeout(connect)
                            .setSocketTimeout(deadline)
                            .setValidateAfterInactivity(TimeValue.ofSeconds(1))
                            .build())
                    .setMaxConnPerRoute(MAX_CONNECTIONS_PER_ROUTE)
                    .setMaxConnTotal(MAX_CONNECTIONS)
                    .build())
            .setRoutePlanner(new DefaultRoutePlanner(DefaultSchemePortResolver.INSTANCE))
            .setDefaultRequestConfig(
                RequestConfig.custom()
                    .setConnectionRequestTimeout(deadline)
                    .setResponseTimeout(deadline)
                    .setRedirectsEnabled(false)
                    .setAuthenticationEnabled(false)
                    .setExpectContinueEnabled(false)
                    .setProtocolUpgradeEnabled(false)
                    .build())
            .disableRedirectHandling()
            .disableAutomaticRetries()
            .disableCookieManagement()
            .disableAuthCaching()
            // Compressed answers would let a small body inflate past the size cap unnoticed until
            // decoded.
            .disableContentCompression()
            .setUserAgent(USER_AGENT)
            .build();
  }

  public Limits limits() {
    return limits;
  }

  /** Sends the request and reads the answer, its body up to {@link Limits#maxAnswerBytes()}. */
  public Answer exchange(Request request) throws Failure {
    return call(request, true);
  }

  /**
   * Sends the request and returns the answer's status. The body is read only to keep the connection
   * for the next call, and dropped; one that is too large or too slow closes the connection instead
   * of failing the call.
   */
  public int statusOf(Request request) throws Failure {
    return call(request, false).status();
  }

  private Answer call(Request request, boolean bodyWanted) throws Failure {
    URI uri = request.uri();
    Optional<String> refused = policy.requestViolation(uri);
    if (refused.isPresent()) {
      throw new Failure(Reason.REFUSED, refused.get());
    }
    if (uri.getPort() > 0xffff) {
      throw new Failure(Reason.UNUSABLE_URL, "has a port out of range");
    }
    HttpUriRequestBase http = new HttpUriRequestBase(request.method(), uri);
    request.headers().forEach(http::setHeader);
    if (request.body() != null) {
      http.setEntity(new ByteArrayEntity(request.body(), null));
    }
    Deadline deadline = new Deadline(http);
    ScheduledFuture<?> alarm =
        DEADLINES.schedule(deadline, limits.deadline().toNanos(), TimeUnit.NANOSECONDS);
    try {
      ClassicHttpResponse response;
      try {
        response = client.executeOpen(null, http, null);
      } catch (IllegalArgumentException e) {
        // Its message may quote the whole URL, so it is not passed on.
        throw new Failure(Reason.UNUSABLE_URL, "cannot be used by the HTTP client");
      }
      deadline.opened(response);
      return read(response, deadline, bodyWanted);
    } catch (IOException e) {
      throw failure(e, deadline.expired());
    } finally {
      alarm.cancel(false);
    }
  }

  private Answer read(ClassicHttpResponse response, Deadline deadline, boolean bodyWanted)
      throws IOException {
    int status = response.getCode();
    String contentType = header(response, "Content-Type");
    String location = header(response, "Location");
    String retryAfter = retryAfter(response);
    HttpEntity entity = response.getEntity();
    if (entity == null) {
      closeQuietly(response);
      return new Answer(status, contentType, location, retryAfter, new byte[0], true);
    }
    long max = limits.maxAnswerBytes();
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    byte[] buffer = new byte[16 * 1024];
    long read = 0;
    try {
      // Closing the body's stream would read it to its end, so it is left open: the connection is
      // either
      // released at the end of the body or closed at once.
      InputStream in = entity.getContent();
      while (true) {
        if (deadline.expired()) {
          throw new SocketTimeoutException("deadline passed");
        }
        // One byte more than the cap tells a body of exactly the cap from a larger one.
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, max + 1 - read));
        if (n < 0) {
          break;
        }
        read += n;
        if (bodyWanted) {
          kept.write(buffer, 0, read > max ? n - 1 : n);
        }
        if (read > max) {
          closeNow(response);
          return new Answer(status, contentType, location, retryAfter, kept.toByteArray(), false);
        }
      }
    } catch (IOException e) {
      closeNow(response);
      if (!bodyWanted) {
        return new Answer(status, contentType, location, retryAfter, new byte[0], false);
      }
      throw e;
    }
    closeQuietly(response);
    return new Answer(status, contentType, location, retryAfter, kept.toByteArray(), true);
  }

  private Failure failure(IOException e, boolean expired) {
    if (expired) {
      return new Failure(Reason.TIMEOUT, "no complete answer within " + seconds(limits.deadline()));
    }
    RefusedAddressException refused = cause(e, RefusedAddressException.class);
    if (refused != null) {
      return new Failure(Reason.REFUSED, refused.getMessage());
    }
    if (cause(e, UnknownHostException.class) != null) {
      return new Failure(Reason.UNRESOLVED, "the host name does not resolve");
    }
    if (cause(e, ConnectTimeoutException.class) != null) {
      return new Failure(Reason.CONNECT_TIMEOUT, "connect timed out");
    }
    if (cause(e, ConnectException.class) != null) {
      return new Failure(Reason.CONNECTION_REFUSED, "connection refused");
    }
    if (cause(e, SocketTimeoutException.class) != null) {
      return new Failure(Reason.TIMEOUT, "no complete answer within " + seconds(limits.deadline()));
    }
    return new Failure(Reason.BROKEN, e.getClass().getSimpleName());
  }

  /** The throwable or the first of its causes that is a {@code type}, or null. */
  private static <T extends Throwable> T cause(Throwable thrown, Class<T> type) {
    for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /**
   * The {@code Retry-After} header; without one, when the answer says its rate-limit window is used
   * up ({@code X-RateLimit-Remaining: 0}, as GitHub answers a primary rate limit), the seconds
   * until its {@code X-RateLimit-Reset} (Unix seconds).
   */
  private static String retryAfter(ClassicHttpResponse response) {
    String retryAfter = header(response, "Retry-After");
    if (retryAfter != null || !"0".equals(trimmed(header(response, "X-RateLimit-Remaining")))) {
      return retryAfter;
    }
    String reset = trimmed(header(response, "X-RateLimit-Reset"));
    if (reset == null || !reset.matches("[0-9]{1,12}")) {
      return null;
    }
    return Long.toString(Math.max(0, Long.parseLong(reset) - Instant.now().getEpochSecond()));
  }

  private static String trimmed(String value) {
    return value == null ? null : value.trim();
  }

  private static String header(ClassicHttpResponse response, String name) {
    Header header = response.getFirstHeader(name);
    return header == null ? null : header.getValue();
  }

  /** A duration as people write it in settings: {@code 20s}, {@code 1500ms}. */
  static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + "s"
        : duration.toMillis() + "ms";
  }

  /**
   * The URL without its query, fragment or credentials, for messages that end up in logs, histories
   * and answers.
   */
  public static String describe(URI uri) {
    String authority = uri.getRawAuthority();
    if (authority != null) {
      authority = authority.substring(authority.lastIndexOf('@') + 1);
    }
    return uri.getScheme() + "://" + authority + (uri.getRawPath() == null ? "" : uri.getRawPath());
  }

  /** {@link #describe(URI)} of a URL given as text; {@code an invalid URL} when it is not one. */
  public static String describe(String url) {
    try {
      return describe(new URI(url));
    } catch (URISyntaxException | NullPointerException e) {
      return "an invalid URL";
    }
  }

  @Override
  public void close() {
    client.close(CloseMode.GRACEFUL);
  }

  /** Closes the connection under the answer without reading the rest of its body. */
  private static void closeNow(ClassicHttpResponse response) {
    if (response instanceof ModalCloseable modal) {
      modal.close(CloseMode.IMMEDIATE);
    } else if (response != null) {
      closeQuietly(response);
    }
  }

  private static void closeQuietly(ClassicHttpResponse response) {
    try {
      response.close();
    } catch (IOException e) {
      // The answer is complete; a connection that does not close cleanly is simply not reused.
    }
  }

  private static ScheduledThreadPoolExecutor deadlineScheduler() {
    ScheduledThreadPoolExecutor scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "outbound-http-deadlines");
              thread.setDaemon(true);
              return thread;
            });
    scheduler.setRemoveOnCancelPolicy(true);
    return scheduler;
  }

  /**
   * One call's deadline. When it passes, the request is cancelled (which closes a connection being
   * made or waited on) and the answer being read, if any, is closed, so a blocked read fails at
   * once.
   */
  private static final class Deadline implements Runnable {

    private final HttpUriRequestBase request;
    private final AtomicBoolean expired = new AtomicBoolean();
    private final AtomicReference<ClassicHttpResponse> response = new AtomicReference<>();

    Deadline(HttpUriRequestBase request) {
      this.request = request;
    }

    @Override
    public void run() {
      expired.set(true);
      request.cancel();
      closeNow(response.get());
    }

    void opened(ClassicHttpResponse answer) {
      response.set(answer);
      if (expired.get()) {
        closeNow(answer);
      }
    }

    boolean expired() {
      return expired.get();
    }
  }

  /**
   * Looks names up through the policy, which refuses the lookup when an address is one not to
   * connect to.
   */
  private record PolicyResolver(OutboundUrlPolicy policy) implements DnsResolver {

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
      return policy.addressesToConnect(host);
    }

    @Override
    public String resolveCanonicalHostname(String host) {
      // Only authentication schemes that need a canonical name (Kerberos) ask; none is enabled.
      return host;
    }
  }
}

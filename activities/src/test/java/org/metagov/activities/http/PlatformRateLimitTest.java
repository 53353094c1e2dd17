package org.metagov.activities.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;

/**
 * {@link PlatformHttp} with a {@link PlatformRateLimiter} against a fake platform on loopback,
 * which counts the requests that reach it: the rate holds across many concurrent callers, a 429's
 * {@code Retry-After} stops every caller until then, and each platform instance (server and
 * credential) has its own bucket.
 */
class PlatformRateLimitTest {

  private static final OutboundHttp.Limits LIMITS =
      new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024 * 1024);

  private final List<LoopbackHttpServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(LoopbackHttpServer::close);
  }

  private LoopbackHttpServer server() throws Exception {
    LoopbackHttpServer server = new LoopbackHttpServer();
    servers.add(server);
    return server;
  }

  private static PlatformHttp http(PlatformRateLimiter limiter) {
    return new PlatformHttp(new OutboundUrlPolicy(false), LIMITS, limiter);
  }

  private static PlatformRateLimiter limiter(
      double perSecond, int burst, Duration maxWait, PlatformRateLimiter.Clock clock) {
    return new PlatformRateLimiter(
        Map.of("discourse", new PlatformRateLimiter.Rate(perSecond, burst)),
        new PlatformRateLimiter.Rate(1, 1),
        maxWait,
        clock);
  }

  @Test
  void manyConcurrentCallersStayWithinTheRateAtThePlatform() throws Exception {
    ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();
    LoopbackHttpServer forum =
        server()
            .on(
                "/posts.json",
                exchange -> {
                  arrivals.add(System.nanoTime());
                  LoopbackHttpServer.answer(200, "application/json", "{}").handle(exchange);
                });
    double perSecond = 20;
    int burst = 5;
    PlatformHttp http =
        http(limiter(perSecond, burst, Duration.ofSeconds(30), PlatformRateLimiter.Clock.SYSTEM));
    int callers = 40;
    int callsEach = 2;
    long begun = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<?>> calls = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        calls.add(
            pool.submit(
                () -> {
                  for (int j = 0; j < callsEach; j++) {
                    http.get(
                        "Discourse", URI.create(forum.url("/posts.json")), Map.of("Api-Key", "k"));
                  }
                  return null;
                }));
      }
      for (Future<?> call : calls) {
        call.get();
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - begun) / 1e9;
    List<Long> times = arrivals.stream().sorted().toList();
    assertThat(times).hasSize(callers * callsEach);
    // Every window of one second holds at most a burst and a second's worth of calls, wherever it
    // starts.
    int busiest = 0;
    for (int i = 0, j = 0; i < times.size(); i++) {
      while (times.get(i) - times.get(j) >= 1_000_000_000L) {
        j++;
      }
      busiest = Math.max(busiest, i - j + 1);
    }
    System.out.printf(
        "RATE LIMIT: %d calls from %d concurrent callers reached the fake platform in %.2f s; busiest"
            + " 1-second window %d calls (limit %.0f/s, burst %d)%n",
        times.size(), callers, seconds, busiest, perSecond, burst);
    assertThat(busiest).isLessThanOrEqualTo((int) perSecond + burst);
    assertThat(seconds)
        .as("80 calls at 20/s after a burst of 5 take at least 75/20 s")
        .isGreaterThanOrEqualTo((callers * callsEach - burst) / perSecond - 0.1);
  }

  @Test
  void aTooManyRequestsAnswerStopsEveryCallToTheInstanceForItsRetryAfter() throws Exception {
    AtomicInteger limited = new AtomicInteger(1);
    LoopbackHttpServer forum =
        server()
            .on(
                "/posts.json",
                exchange -> {
                  if (limited.getAndDecrement() > 0) {
                    exchange.getResponseHeaders().set("Retry-After", "30");
                    LoopbackHttpServer.answer(
                            429, "application/json", "{\"errors\": [\"slow down\"]}")
                        .handle(exchange);
                  } else {
                    LoopbackHttpServer.answer(200, "application/json", "{\"ok\": true}")
                        .handle(exchange);
                  }
                });
    FakeClock clock = new FakeClock();
    PlatformHttp http = http(limiter(10, 10, Duration.ofSeconds(2), clock));
    URI uri = URI.create(forum.url("/posts.json"));

    PlatformException first = failure(() -> http.get("Discourse", uri, Map.of()));
    assertThat(first.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(first.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    PlatformException held = failure(() -> http.get("Discourse", uri, Map.of()));
    assertThat(held.kind()).isEqualTo(Kind.RATE_LIMITED);
    assertThat(held.platformStatus()).as("refused here, not by the platform").isZero();
    assertThat(held.retryAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(held.getMessage())
        .contains("held back by this deployment's rate limit for Discourse");
    assertThat(forum.requests()).as("nothing was sent during the pause").isEqualTo(1);

    clock.advanceMillis(29_000);
    assertThat(http.get("Discourse", uri, Map.of()).path("ok").asBoolean()).isTrue();
    assertThat(clock.sleptMillis())
        .as("the call within the longest wait of the pause's end waited for it")
        .isEqualTo(1_000);
    assertThat(forum.requests()).isEqualTo(2);
  }

  @Test
  void separateServersAndCredentialsDoNotShareABucket() throws Exception {
    LoopbackHttpServer one =
        server().on("/", LoopbackHttpServer.answer(200, "application/json", "{}"));
    LoopbackHttpServer two =
        server().on("/", LoopbackHttpServer.answer(200, "application/json", "{}"));
    PlatformHttp http =
        http(
            new PlatformRateLimiter(
                Map.of("slack", new PlatformRateLimiter.Rate(0.001, 1)),
                new PlatformRateLimiter.Rate(0.001, 1),
                Duration.ZERO,
                new FakeClock()));
    URI first = URI.create(one.url("/conversations.history"));
    URI second = URI.create(two.url("/conversations.history"));

    http.get("Slack", first, Map.of("Authorization", "Bearer workspace-a"));
    assertThat(
            failure(() -> http.get("Slack", first, Map.of("Authorization", "Bearer workspace-a")))
                .kind())
        .isEqualTo(Kind.RATE_LIMITED);
    http.get("Slack", first, Map.of("Authorization", "Bearer workspace-b"));
    http.get("Slack", second, Map.of("Authorization", "Bearer workspace-a"));
    http.get("Discourse", first, Map.of("Authorization", "Bearer workspace-a"));
    assertThat(one.requests()).isEqualTo(3);
    assertThat(two.requests()).isEqualTo(1);
    assertThat(PlatformHttp.instance(first, Map.of("Authorization", "Bearer workspace-a")))
        .as("the credential is kept only as a digest")
        .doesNotContain("workspace-a");
  }

  @Test
  void progressIsReportedBeforeTheWaitAndBeforeTheRequest() throws Exception {
    LoopbackHttpServer forum =
        server().on("/", LoopbackHttpServer.answer(200, "application/json", "{}"));
    AtomicInteger beats = new AtomicInteger();
    PlatformHttp http =
        http(limiter(10, 10, Duration.ofSeconds(2), new FakeClock()))
            .reportingProgress(beats::incrementAndGet);
    http.get("Discourse", URI.create(forum.url("/t/1.json")), Map.of());
    assertThat(beats.get()).isEqualTo(2);
  }

  private static PlatformException failure(Runnable call) {
    try {
      call.run();
    } catch (PlatformException e) {
      return e;
    }
    throw new AssertionError("expected a PlatformException");
  }
}

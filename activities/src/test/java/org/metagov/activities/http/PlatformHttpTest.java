package org.metagov.activities.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;

/** How each way a platform call can end maps to a result or a {@link PlatformException} kind. */
class PlatformHttpTest {

  static WireMockServer platform;
  // The request timeout leaves room for a loaded CI machine; the timeout test delays well beyond
  // it.
  static final PlatformHttp http =
      new PlatformHttp(
          new OutboundUrlPolicy(false),
          new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ofSeconds(3), 4 * 1024 * 1024));

  @BeforeAll
  static void start() {
    platform = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    platform.start();
  }

  @AfterAll
  static void stop() {
    platform.stop();
  }

  @BeforeEach
  void reset() {
    platform.resetAll();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + platform.port() + path);
  }

  private PlatformException failure(Runnable call) {
    try {
      call.run();
    } catch (PlatformException e) {
      return e;
    }
    throw new AssertionError("expected a PlatformException");
  }

  @Test
  void a429IsARetryableRateLimitWithTheWaitThePlatformAskedFor() {
    platform.stubFor(
        get(urlEqualTo("/header"))
            .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7")));
    PlatformException header = failure(() -> http.get("P", uri("/header"), Map.of()));
    assertThat(header.kind()).isEqualTo(PlatformException.Kind.RATE_LIMITED);
    assertThat(header.retryable()).isTrue();
    assertThat(header.retryAfter()).isEqualTo(Duration.ofSeconds(7));

    // Discord names the wait in its body, in seconds with a fraction.
    platform.stubFor(
        get(urlEqualTo("/body"))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"message\": \"You are being rate limited.\", \"retry_after\": 1.25, \"global\": false}")));
    assertThat(failure(() -> http.get("P", uri("/body"), Map.of())).retryAfter())
        .isEqualTo(Duration.ofMillis(1250));

    platform.stubFor(get(urlEqualTo("/none")).willReturn(aResponse().withStatus(429)));
    PlatformException none = failure(() -> http.get("P", uri("/none"), Map.of()));
    assertThat(none.kind()).isEqualTo(PlatformException.Kind.RATE_LIMITED);
    assertThat(none.retryAfter()).isNull();
    assertThat(PlatformHttp.retryAfter("86400")).as("bounded").isEqualTo(Duration.ofHours(1));
    assertThat(PlatformHttp.retryAfter("soon")).isNull();
  }

  @Test
  void aJsonAnswerIsParsedAndHeadersAndBodyAreSent() {
    platform.stubFor(
        post(urlEqualTo("/api/things"))
            .withHeader("Authorization", equalTo("Bearer k"))
            .withRequestBody(equalToJson("{\"a\": 1}"))
            .willReturn(okJson("{\"id\": 7}")));
    assertThat(
            http.send(
                "P",
                "POST",
                uri("/api/things"),
                Map.of("Authorization", "Bearer k"),
                Json.parse("{\"a\": 1}")))
        .isEqualTo(Json.parse("{\"id\": 7}"));
    platform.verify(
        postRequestedFor(urlEqualTo("/api/things"))
            .withHeader("Content-Type", equalTo("application/json")));

    platform.stubFor(get(urlEqualTo("/empty")).willReturn(aResponse().withStatus(204)));
    assertThat(http.get("P", uri("/empty"), Map.of())).isNull();
  }

  @Test
  void a4xxIsRejectedAndNotRetryable() {
    platform.stubFor(
        get(urlEqualTo("/x"))
            .willReturn(
                aResponse().withStatus(422).withBody("{\"errors\": {\"title\": [\"blank\"]}}")));
    PlatformException e = failure(() -> http.get("Loomio", uri("/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.REJECTED);
    assertThat(e.retryable()).isFalse();
    assertThat(e.platformStatus()).isEqualTo(422);
    assertThat(e.getMessage()).contains("Loomio").contains("422").contains("blank");
  }

  @Test
  void a5xxFailsAndIsRetryable() {
    platform.stubFor(
        get(urlEqualTo("/x")).willReturn(aResponse().withStatus(503).withBody("x".repeat(1000))));
    PlatformException e = failure(() -> http.get("P", uri("/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.FAILED);
    assertThat(e.retryable()).isTrue();
    assertThat(e.getMessage().length()).as("the body excerpt is cut").isLessThan(500);
  }

  @Test
  void aBodyThatIsNotJsonOrARedirectFails() {
    platform.stubFor(
        get(urlEqualTo("/html")).willReturn(aResponse().withStatus(200).withBody("<html></html>")));
    assertThat(failure(() -> http.get("P", uri("/html"), Map.of())).kind()).isEqualTo(Kind.FAILED);
    platform.stubFor(
        get(urlEqualTo("/moved"))
            .willReturn(aResponse().withStatus(302).withHeader("Location", "/elsewhere")));
    PlatformException redirect = failure(() -> http.get("P", uri("/moved"), Map.of()));
    assertThat(redirect.kind()).isEqualTo(Kind.FAILED);
    assertThat(redirect.getMessage()).contains("server_url");
  }

  @Test
  void noAnswerInTimeIsATimeout() {
    platform.stubFor(get(urlEqualTo("/slow")).willReturn(okJson("{}").withFixedDelay(6_000)));
    PlatformException e = failure(() -> http.get("P", uri("/slow"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(e.retryable()).isTrue();
  }

  @Test
  void aClosedPortIsUnreachable() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    PlatformException e =
        failure(() -> http.get("P", URI.create("http://127.0.0.1:" + port + "/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
    assertThat(e.platformStatus()).isZero();
  }

  @Test
  void errorMessagesLeaveOutTheQueryStringAndHeaders() {
    platform.stubFor(get(urlPathEqualTo("/q")).willReturn(aResponse().withStatus(401)));
    PlatformException e =
        failure(
            () -> http.get("P", uri("/q?api_key=supersecret"), Map.of("Api-Key", "headersecret")));
    assertThat(e.getMessage())
        .contains("/q")
        .doesNotContain("supersecret")
        .doesNotContain("headersecret");
  }

  @Test
  void anAnswerLargerThanTheCapFailsNamingTheCapAndAnErrorAnswerIsCutNotRefused() {
    PlatformHttp capped =
        new PlatformHttp(
            new OutboundUrlPolicy(false),
            new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ofSeconds(10), 1024 * 1024));
    platform.stubFor(
        get(urlEqualTo("/big")).willReturn(okJson("[" + "1,".repeat(1024 * 1024) + "1]")));
    PlatformException big = failure(() -> capped.get("SourceCred", uri("/big"), Map.of()));
    assertThat(big.kind()).isEqualTo(Kind.FAILED);
    assertThat(big.retryable()).isTrue();
    assertThat(big.platformStatus()).isEqualTo(200);
    assertThat(big.getMessage())
        .isEqualTo(
            "SourceCred answered GET "
                + uri("/big")
                + " with more than 1MB, the most this deployment reads from a platform");

    platform.stubFor(
        get(urlEqualTo("/big-error"))
            .willReturn(aResponse().withStatus(500).withBody("oops ".repeat(500_000))));
    PlatformException bigError = failure(() -> capped.get("P", uri("/big-error"), Map.of()));
    assertThat(bigError.platformStatus()).isEqualTo(500);
    assertThat(bigError.getMessage())
        .startsWith("P answered 500 to GET " + uri("/big-error") + ": oops oops")
        .endsWith("…");
    assertThat(bigError.responseBody()).as("kept for the plugin, bounded").hasSize(64 * 1024);
  }

  @Test
  void aBodyDribbledPastTheDeadlineIsATimeoutAtTheDeadline() {
    // 20 chunks over 20 s; the client's deadline is 3 s.
    platform.stubFor(
        get(urlEqualTo("/drip"))
            .willReturn(
                okJson("{\"padding\": \"" + "x".repeat(200) + "\"}")
                    .withChunkedDribbleDelay(20, 20_000)));
    long started = System.nanoTime();
    PlatformException e = failure(() -> http.get("P", uri("/drip"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(e.getMessage()).isEqualTo("P did not answer GET " + uri("/drip") + " within 3s");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
  }

  @Test
  void theErrorDetailQuotesAShortSanitizedExcerptOfATextualAnswerOnly() {
    String hostile = "\u001b[31mInvalid\r\nX-Injected: yes\u202e\u0000 title " + "y".repeat(10_000);
    platform.stubFor(
        get(urlEqualTo("/text"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withHeader("Content-Type", "text/plain; charset=utf-8")
                    .withBody(hostile)));
    PlatformException text = failure(() -> http.get("P", uri("/text"), Map.of()));
    String detail = text.getMessage();
    assertThat(detail)
        .startsWith(
            "P answered 422 to GET " + uri("/text") + ": [31mInvalid X-Injected: yes title yyy")
        .endsWith("…");
    assertThat(detail.codePoints())
        .noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
    assertThat(text.responseExcerpt().length()).isLessThanOrEqualTo(201);
    assertThat(text.responseBody())
        .as("the plugin still reads the answer itself")
        .isEqualTo(hostile);

    platform.stubFor(
        get(urlEqualTo("/binary"))
            .willReturn(
                aResponse()
                    .withStatus(500)
                    .withHeader("Content-Type", "application/octet-stream")
                    .withBody(new byte[] {'P', 'K', 3, 4, 0, 0})));
    PlatformException binary = failure(() -> http.get("P", uri("/binary"), Map.of()));
    assertThat(binary.getMessage()).isEqualTo("P answered 500 to GET " + uri("/binary"));
    assertThat(binary.responseBody()).isNull();
  }

  @Test
  void anAddressThePolicyRefusesIsRejectedWithoutARequest() {
    PlatformHttp denying =
        new PlatformHttp(
            new OutboundUrlPolicy(
                true,
                host -> {
                  throw new AssertionError("looked up " + host);
                }),
            new OutboundHttp.Limits(Duration.ofSeconds(5), Duration.ofSeconds(5), 1024));
    PlatformException e =
        failure(() -> denying.get("Discourse", uri("/x?api_key=s3cret"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.REJECTED);
    assertThat(e.retryable()).isFalse();
    assertThat(e.platformStatus()).isZero();
    assertThat(e.getMessage())
        .isEqualTo(
            "Discourse cannot be called at "
                + uri("/x")
                + ": the URL points to an internal"
                + " address (loopback (127.0.0.0/8)), which this deployment does not allow");
    platform.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void exchangeHandsARedirectOrA404ToTheCaller() {
    platform.stubFor(
        get(urlEqualTo("/t/external_id/a.json"))
            .willReturn(aResponse().withStatus(301).withHeader("Location", "/t/slug/42.json")));
    PlatformHttp.Reply redirect =
        http.exchange("P", "GET", uri("/t/external_id/a.json"), Map.of(), null);
    assertThat(redirect.status()).isEqualTo(301);
    assertThat(redirect.location()).isEqualTo("/t/slug/42.json");
    platform.verify(1, anyRequestedFor(anyUrl()));

    platform.stubFor(
        get(urlEqualTo("/missing")).willReturn(aResponse().withStatus(404).withBody("not here")));
    PlatformHttp.Reply missing = http.exchange("P", "GET", uri("/missing"), Map.of(), null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(http.failure("P", "GET", uri("/missing"), missing).getMessage())
        .isEqualTo("P answered 404 to GET " + uri("/missing") + ": not here");
  }

  @Test
  void resolveToleratesATrailingSlash() {
    assertThat(PlatformHttp.resolve("https://sc.example.org/", "/output/accounts.json"))
        .isEqualTo(URI.create("https://sc.example.org/output/accounts.json"));
    assertThat(PlatformHttp.resolve("https://sc.example.org/instance", "/output/accounts.json"))
        .isEqualTo(URI.create("https://sc.example.org/instance/output/accounts.json"));
  }

  @Test
  void aBadBaseUrlIsNotAnUncheckedSurprise() {
    assertThatThrownBy(() -> PlatformHttp.resolve("not a url", "/x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

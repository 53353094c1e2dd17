package org.metagov.activities.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
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
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;

/** How each way a platform call can end maps to a result or a {@link PlatformException} kind. */
class PlatformHttpTest {

  static WireMockServer platform;
  // The request timeout leaves room for a loaded CI machine; the timeout test delays well beyond it.
  final PlatformHttp http = new PlatformHttp(Duration.ofSeconds(5), Duration.ofSeconds(3));

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
  void aJsonAnswerIsParsedAndHeadersAndBodyAreSent() {
    platform.stubFor(post(urlEqualTo("/api/things")).withHeader("Authorization", equalTo("Bearer k"))
        .withRequestBody(equalToJson("{\"a\": 1}")).willReturn(okJson("{\"id\": 7}")));
    assertThat(http.send("P", "POST", uri("/api/things"), Map.of("Authorization", "Bearer k"), Json.parse("{\"a\": 1}")))
        .isEqualTo(Json.parse("{\"id\": 7}"));
    platform.verify(postRequestedFor(urlEqualTo("/api/things")).withHeader("Content-Type", equalTo("application/json")));

    platform.stubFor(get(urlEqualTo("/empty")).willReturn(aResponse().withStatus(204)));
    assertThat(http.get("P", uri("/empty"), Map.of())).isNull();
  }

  @Test
  void a4xxIsRejectedAndNotRetryable() {
    platform.stubFor(get(urlEqualTo("/x")).willReturn(aResponse().withStatus(422).withBody("{\"errors\": {\"title\": [\"blank\"]}}")));
    PlatformException e = failure(() -> http.get("Loomio", uri("/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.REJECTED);
    assertThat(e.retryable()).isFalse();
    assertThat(e.platformStatus()).isEqualTo(422);
    assertThat(e.getMessage()).contains("Loomio").contains("422").contains("blank");
  }

  @Test
  void a5xxFailsAndIsRetryable() {
    platform.stubFor(get(urlEqualTo("/x")).willReturn(aResponse().withStatus(503).withBody("x".repeat(1000))));
    PlatformException e = failure(() -> http.get("P", uri("/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.FAILED);
    assertThat(e.retryable()).isTrue();
    assertThat(e.getMessage().length()).as("the body excerpt is cut").isLessThan(500);
  }

  @Test
  void aBodyThatIsNotJsonOrARedirectFails() {
    platform.stubFor(get(urlEqualTo("/html")).willReturn(aResponse().withStatus(200).withBody("<html></html>")));
    assertThat(failure(() -> http.get("P", uri("/html"), Map.of())).kind()).isEqualTo(Kind.FAILED);
    platform.stubFor(get(urlEqualTo("/moved")).willReturn(aResponse().withStatus(302).withHeader("Location", "/elsewhere")));
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
    PlatformException e = failure(() -> http.get("P", URI.create("http://127.0.0.1:" + port + "/x"), Map.of()));
    assertThat(e.kind()).isEqualTo(Kind.UNREACHABLE);
    assertThat(e.platformStatus()).isZero();
  }

  @Test
  void errorMessagesLeaveOutTheQueryStringAndHeaders() {
    platform.stubFor(get(urlPathEqualTo("/q")).willReturn(aResponse().withStatus(401)));
    PlatformException e = failure(() -> http.get("P", uri("/q?api_key=supersecret"), Map.of("Api-Key", "headersecret")));
    assertThat(e.getMessage()).contains("/q").doesNotContain("supersecret").doesNotContain("headersecret");
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
    assertThatThrownBy(() -> PlatformHttp.resolve("not a url", "/x")).isInstanceOf(IllegalArgumentException.class);
  }
}

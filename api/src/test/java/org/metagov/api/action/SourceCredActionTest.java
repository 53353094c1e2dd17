package org.metagov.api.action;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The SourceCred plugin's actions against a fake SourceCred instance (WireMock on 127.0.0.1)
 * serving {@code output/accounts.json} in the shape SourceCred publishes it, and the 502/504
 * mapping of platform failures. The test context's {@code metagov.platform.request-timeout} is 1s.
 */
class SourceCredActionTest extends IntegrationTest {

  private static final String ACCOUNTS_PATH = "/output/accounts.json";

  /**
   * Two accounts in the shape of SourceCred's output: addresses are NUL-separated and
   * NUL-terminated.
   */
  static final String ACCOUNTS_JSON =
      """
      {"accounts": [
        {"account": {"identity": {"id": "2bC3zMvY-8xxPzu2Z6B7oA", "subtype": "USER", "name": "alice",
            "address": "N\\u0000sourcecred\\u0000core\\u0000IDENTITY\\u00002bC3zMvY-8xxPzu2Z6B7oA\\u0000",
            "aliases": [{"address": "N\\u0000sourcecred\\u0000discord\\u0000MEMBER\\u0000user\\u0000140750062325202944\\u0000",
                         "description": "discord/alice#1234"}]},
           "balance": "0", "paid": "0", "active": true},
         "cred": [0.5, 1.2, 3.3], "totalCred": 5.0},
        {"account": {"identity": {"id": "Xo5b6hFqQ2mZ7a1nKc3d9w", "subtype": "USER", "name": "bob",
            "address": "N\\u0000sourcecred\\u0000core\\u0000IDENTITY\\u0000Xo5b6hFqQ2mZ7a1nKc3d9w\\u0000",
            "aliases": [{"address": "N\\u0000sourcecred\\u0000discourse\\u0000user\\u0000https://forum.example.org\\u0000bobby\\u0000",
                         "description": "discourse/bobby"},
                        {"address": "N\\u0000sourcecred\\u0000github\\u0000USERLIKE\\u0000USER\\u0000bob-gh\\u0000",
                         "description": "github/bob-gh"}]},
           "balance": "1000", "paid": "1000", "active": true},
         "cred": [0.25, 2.25], "totalCred": 2.5},
        {"account": {"identity": {"id": "bot-id", "subtype": "BOT", "name": "credbot",
            "address": "N\\u0000sourcecred\\u0000core\\u0000IDENTITY\\u0000bot-id\\u0000", "aliases": []},
           "balance": "0", "paid": "0", "active": false},
         "cred": [0.0], "totalCred": 0.0}
      ],
      "unclaimedAliases": [],
      "intervals": [{"startTimeMs": 1600000000000, "endTimeMs": 1600604800000},
                    {"startTimeMs": 1600604800000, "endTimeMs": 1601209600000}]}
      """;

  static WireMockServer sourcecred;

  @BeforeAll
  static void startFakeSourceCred() {
    sourcecred = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    sourcecred.start();
  }

  @AfterAll
  static void stopFakeSourceCred() {
    sourcecred.stop();
  }

  @BeforeEach
  void reset() {
    sourcecred.resetAll();
  }

  private String communityAt(String serverUrl) {
    String slug = uniqueSlug("sourcecred");
    putCommunity(
        slug, "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"" + serverUrl + "\"}}]");
    return slug;
  }

  private String community() {
    return communityAt("http://127.0.0.1:" + sourcecred.port());
  }

  private void serveAccounts() {
    sourcecred.stubFor(WireMock.get(urlEqualTo(ACCOUNTS_PATH)).willReturn(okJson(ACCOUNTS_JSON)));
  }

  private double value(Response response) {
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode value = response.json().path("value");
    assertThat(value.isNumber()).as(response.body()).isTrue();
    return value.asDouble();
  }

  @Test
  void userCredByUsername() {
    serveAccounts();
    String slug = community();
    assertThat(
            value(
                action(
                    slug, "sourcecred.user-cred", "{\"parameters\": {\"username\": \"alice\"}}")))
        .isEqualTo(5.0);
    assertThat(
            value(
                action(slug, "sourcecred.user-cred", "{\"parameters\": {\"username\": \"bob\"}}")))
        .isEqualTo(2.5);
    sourcecred.verify(2, getRequestedFor(urlEqualTo(ACCOUNTS_PATH)));
  }

  @Test
  void userCredByAPlatformIdAmongTheAliases() {
    serveAccounts();
    String slug = community();
    assertThat(
            value(
                action(
                    slug,
                    "sourcecred.user-cred",
                    "{\"parameters\": {\"id\": \"140750062325202944\"}}")))
        .isEqualTo(5.0);
    // Discord ids are often sent as JSON numbers.
    assertThat(
            value(
                action(
                    slug,
                    "sourcecred.user-cred",
                    "{\"parameters\": {\"id\": 140750062325202944}}")))
        .isEqualTo(5.0);
    assertThat(value(action(slug, "sourcecred.user-cred", "{\"parameters\": {\"id\": \"bobby\"}}")))
        .isEqualTo(2.5);
    assertThat(
            value(action(slug, "sourcecred.user-cred", "{\"parameters\": {\"id\": \"bob-gh\"}}")))
        .isEqualTo(2.5);
  }

  @Test
  void anUnknownUserIs404() {
    serveAccounts();
    String slug = community();
    JsonNode problem =
        assertProblem(
            action(slug, "sourcecred.user-cred", "{\"parameters\": {\"username\": \"mallory\"}}"),
            404,
            "user_not_found");
    assertThat(problem.path("detail").asString()).contains("mallory");
    assertProblem(
        action(slug, "sourcecred.user-cred", "{\"parameters\": {\"id\": \"999\"}}"),
        404,
        "user_not_found");
    // A part of an address that is not the platform user id does not match.
    assertProblem(
        action(slug, "sourcecred.user-cred", "{\"parameters\": {\"id\": \"discord\"}}"),
        404,
        "user_not_found");
  }

  @Test
  void totalCredSumsEveryAccount() {
    serveAccounts();
    String slug = community();
    assertThat(value(action(slug, "sourcecred.total-cred", null))).isEqualTo(7.5);
    assertThat(value(action(slug, "sourcecred.total-cred", "{\"parameters\": {}}"))).isEqualTo(7.5);
  }

  @Test
  void aServerUrlWithATrailingSlashWorks() {
    serveAccounts();
    String slug = communityAt("http://127.0.0.1:" + sourcecred.port() + "/");
    assertThat(value(action(slug, "sourcecred.total-cred", null))).isEqualTo(7.5);
  }

  @Test
  void sourceCredAnswering500Is502() {
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(aResponse().withStatus(500).withBody("boom")));
    String slug = community();
    JsonNode problem =
        assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error");
    assertThat(problem.path("detail").asString()).contains("500");
  }

  @Test
  void sourceCredWithoutPublishedOutputIs502() {
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH)).willReturn(aResponse().withStatus(404)));
    String slug = community();
    assertProblem(
        action(slug, "sourcecred.user-cred", "{\"parameters\": {\"username\": \"alice\"}}"),
        502,
        "platform_error");

    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(aResponse().withStatus(200).withBody("<html>not json</html>")));
    assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error");

    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH)).willReturn(okJson("{\"unclaimedAliases\": []}")));
    assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error");
  }

  @Test
  void sourceCredNotAnsweringInTimeIs504() {
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(okJson(ACCOUNTS_JSON).withFixedDelay(3_000)));
    String slug = community();
    long started = System.nanoTime();
    assertProblem(action(slug, "sourcecred.total-cred", null), 504, "platform_timeout");
    assertThat((System.nanoTime() - started) / 1_000_000)
        .as("milliseconds until the 504")
        .isLessThan(2_900);
  }

  @Test
  void sourceCredDrippingItsAnswerIs504AtTheDeadlineNotWhenTheDripEnds() {
    // Headers at once, then the body in 30 pieces over 30 s: no single read waits long, the whole
    // takes long.
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(okJson(ACCOUNTS_JSON).withChunkedDribbleDelay(30, 30_000)));
    String slug = community();
    long started = System.nanoTime();
    JsonNode problem =
        assertProblem(action(slug, "sourcecred.total-cred", null), 504, "platform_timeout");
    assertThat(problem.path("detail").asString()).contains("within 1s");
    assertThat((System.nanoTime() - started) / 1_000_000)
        .as("milliseconds until the 504")
        .isLessThan(15_000);
  }

  @Test
  void sourceCredAnsweringMoreThanTheSizeCapIs502WithoutReadingItAll() {
    // 5 MB of JSON against the default PLATFORM_MAX_RESPONSE_SIZE of 4MB.
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(
                okJson(
                    "{\"accounts\": [], \"padding\": \"" + "x".repeat(5 * 1024 * 1024) + "\"}")));
    String slug = community();
    JsonNode problem =
        assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error");
    assertThat(problem.path("detail").asString()).contains("with more than 4MB");
  }

  @Test
  void aPlatformErrorIsToldWithItsStatusAndAShortSanitizedExcerpt() {
    sourcecred.stubFor(
        WireMock.get(urlEqualTo(ACCOUNTS_PATH))
            .willReturn(
                aResponse()
                    .withStatus(503)
                    .withHeader("Content-Type", "text/html")
                    .withBody(
                        "<h1>Down\r\n\u001b[2J for\u202e maintenance</h1>"
                            + "<p>x</p>".repeat(20_000))));
    String slug = community();
    String detail =
        assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error")
            .path("detail")
            .asString();
    assertThat(detail)
        .contains("503")
        .contains("<h1>Down [2J for maintenance</h1><p>x</p>")
        .endsWith("…");
    assertThat(detail.length()).isLessThan(400);
    assertThat(detail.codePoints())
        .noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
  }

  @Test
  void anUnreachableSourceCredIs502() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = socket.getLocalPort();
    }
    String slug = communityAt("http://127.0.0.1:" + closedPort);
    JsonNode problem =
        assertProblem(action(slug, "sourcecred.total-cred", null), 502, "platform_error");
    assertThat(problem.path("detail").asString()).contains("127.0.0.1:" + closedPort);
  }

  @Test
  void invalidParametersAre400BeforeAnyNetworkCall() {
    serveAccounts();
    String slug = community();
    assertProblem(action(slug, "sourcecred.user-cred", null), 400, "validation_failed");
    assertProblem(
        action(slug, "sourcecred.user-cred", "{\"parameters\": {}}"), 400, "validation_failed");
    assertProblem(
        action(
            slug,
            "sourcecred.user-cred",
            "{\"parameters\": {\"username\": \"alice\", \"id\": \"1\"}}"),
        400,
        "validation_failed");
    assertThat(
            errorPaths(
                assertProblem(
                    action(slug, "sourcecred.user-cred", "{\"parameters\": {\"username\": 5}}"),
                    400,
                    "validation_failed")))
        .contains("parameters.username");
    assertThat(
            errorPaths(
                assertProblem(
                    action(
                        slug,
                        "sourcecred.user-cred",
                        "{\"parameters\": {\"username\": \"alice\", \"name\": \"x\"}}"),
                    400,
                    "validation_failed")))
        .contains("parameters.name");
    assertThat(
            errorPaths(
                assertProblem(
                    action(
                        slug,
                        "sourcecred.total-cred",
                        "{\"parameters\": {\"username\": \"alice\"}}"),
                    400,
                    "validation_failed")))
        .containsExactly("parameters.username");
    assertProblem(action(slug, "sourcecred.no-such-action", "{}"), 404, "action_not_found");
    sourcecred.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void serverUrlIsRequiredAndMustBeHttp() {
    String slug = uniqueSlug("sourcecred-config");
    Response response =
        put(
            "/api/internal/community/" + slug,
            "{\"plugins\": [{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"file:///etc/passwd\"}}]}");
    assertThat(errorPaths(assertProblem(response, 400, "validation_failed")))
        .contains("plugins[0].config.server_url");
    response =
        put("/api/internal/community/" + slug, "{\"plugins\": [{\"name\": \"sourcecred\"}]}");
    assertThat(errorPaths(assertProblem(response, 400, "validation_failed")))
        .containsExactly("plugins[0].config.server_url");
  }
}

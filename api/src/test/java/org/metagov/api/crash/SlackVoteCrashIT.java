package org.metagov.api.crash;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.metagov.api.slack.FakeSlack;
import tools.jackson.databind.JsonNode;

/**
 * An installed app's vote survives SIGKILL: the packaged application runs as a child JVM against a
 * standalone Temporal test server and a PostgreSQL of this test, with the fake Slack and a fake
 * Driver in this JVM (all on 127.0.0.1). An emoji vote is started in a channel; two members press
 * buttons; a third press (a re-vote) is acknowledged and the application is killed at once. After
 * the restart one more member votes, the deadline passes, and the Driver's callback must carry
 * every acknowledged press, the message must have been posted once and closed without its buttons.
 */
class SlackVoteCrashIT {

  private static final String COMMUNITY = "slack-crash";
  private static final String TEAM = "T0CRASH01";
  private static final String CHANNEL = "C0CRASH01";
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final long started = System.nanoTime();
  private int appPort;
  private int managementPort;
  private CrashApp crashApp;

  @Test
  @Timeout(value = 280, unit = TimeUnit.SECONDS)
  void acknowledgedPressesSurviveAKillAndReachTheDriver() throws Exception {
    Path workDir = CrashApp.workDir("slack");

    List<ChildJvm> children = new ArrayList<>();
    Thread cleanUpOnExit = new Thread(() -> children.forEach(ChildJvm::killQuietly));
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    EmbeddedPostgres postgres = null;
    WireMockServer driver = null;
    try (FakeSlack slack = new FakeSlack()) {
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ChildJvm temporal =
          new ChildJvm(
              "slack-temporal",
              List.of(
                  "-Xmx384m",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  classpath,
                  LoopbackTemporalTestServer.class.getName(),
                  Integer.toString(temporalPort)),
              Map.of(),
              workDir);
      children.add(temporal);
      temporal.start();
      postgres = EmbeddedPostgres.builder().start();
      driver =
          new WireMockServer(
              WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
      driver.start();
      driver.stubFor(post(urlPathEqualTo("/callback")).willReturn(ok()));
      CrashApp.awaitPort(temporal, temporalPort, Duration.ofSeconds(60));

      crashApp = new CrashApp(temporalPort, postgres, 5);
      appPort = crashApp.port;
      managementPort = crashApp.managementPort;
      crashApp.environment.put("DELIVERY_MAX_BACKOFF", "2s");
      crashApp.environment.put("SLACK_CLIENT_ID", FakeSlack.CLIENT_ID);
      crashApp.environment.put("SLACK_CLIENT_SECRET", FakeSlack.CLIENT_SECRET);
      crashApp.environment.put("SLACK_SIGNING_SECRET", FakeSlack.SIGNING_SECRET);
      crashApp.environment.put("SLACK_API_BASE_URL", slack.apiBaseUrl());
      crashApp.environment.put("SLACK_AUTHORIZE_URL", slack.authorizeUrl());
      ChildJvm app = crashApp.jvm("slack-app", workDir);
      children.add(app);
      startApp(app);

      String token = slack.tokenFor(TEAM);
      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              """
          {"name": "%s", "plugins": [{"name": "slack", "config": {"team_id": "%s", "team_name": "Crash workspace",
            "bot_user_id": "%s", "bot_token": "%s"}}]}
          """
                  .formatted(COMMUNITY, TEAM, FakeSlack.botUser(TEAM), token));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);

      String closingAt = Instant.now().plus(DEADLINE).truncatedTo(ChronoUnit.SECONDS).toString();
      String callbackUrl = "http://127.0.0.1:" + driver.port() + "/callback";
      HttpResponse<String> accepted =
          send(
              "POST",
              "/api/internal/process/slack.emoji-vote",
              """
          {"title": "Keep the crash test?", "poll_type": "boolean", "channel": "%s", "closing_at": "%s",
           "callback_url": "%s"}
          """
                  .formatted(CHANNEL, closingAt, callbackUrl));
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      long id = FakeSlackJson.read(accepted.body()).path("id").asLong();
      String location = "/api/internal/process/slack.emoji-vote/" + id;
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> "pending".equals(record(location).path("status").asString()));
      String ts = record(location).path("outcome").path("message_ts").asString();
      note("vote " + id + " pending, message " + ts + ", closes at " + closingAt);

      press("U0ALICE01", ts, "0");
      press("U0BOB0001", ts, "1");
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> count(location, "yes") == 1 && count(location, "no") == 1);

      // Bob changes his mind; the press is acknowledged, and the application dies before anything
      // else happens.
      press("U0BOB0001", ts, "0");
      long pid = app.pid();
      app.kill();
      note("SIGKILL (pid " + pid + ") right after Bob's re-vote was acknowledged");
      startApp(app);

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> count(location, "yes") == 2 && count(location, "no") == 0);
      note("after the restart the record shows the re-vote");
      press("U0CAROL01", ts, "1");
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> count(location, "no") == 1);

      long untilDeadline = Duration.between(Instant.now(), Instant.parse(closingAt)).toSeconds();
      await()
          .atMost(Duration.ofSeconds(Math.max(0, untilDeadline) + 60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> "completed".equals(record(location).path("status").asString()));
      WireMockServer receiver = driver;
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> !receiver.findAll(postRequestedFor(urlPathEqualTo("/callback"))).isEmpty());

      List<LoggedRequest> callbacks =
          receiver.findAll(postRequestedFor(urlPathEqualTo("/callback")));
      assertThat(callbacks.stream().map(r -> r.getHeader("webhook-id")).distinct().toList())
          .containsExactly("process-" + id + "-result");
      JsonNode outcome = FakeSlackJson.read(callbacks.get(0).getBodyAsString()).path("outcome");
      assertThat(outcome.path("votes"))
          .isEqualTo(
              FakeSlackJson.read(
                  """
          {"yes": {"users": ["U0ALICE01", "U0BOB0001"], "count": 2}, "no": {"users": ["U0CAROL01"], "count": 1}}"""));
      assertThat(slack.calls("chat.postMessage", token))
          .as("the vote was posted once across the kill")
          .hasSize(1);
      assertThat(String.valueOf(slack.blocks(CHANNEL, ts))).doesNotContain("cast_vote");
      String summary =
          "SLACK CRASH SUMMARY: presses=4 kills=1 callbacks="
              + callbacks.size()
              + " posts="
              + slack.calls("chat.postMessage", token).size()
              + " elapsed_s="
              + Math.round(elapsedSeconds());
      note(summary);
      System.out.println(summary);
    } finally {
      children.forEach(ChildJvm::killQuietly);
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
      if (driver != null) {
        driver.stop();
      }
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /**
   * A button press as Slack sends it: an interactivity form, signed with the app's signing secret.
   */
  private void press(String user, String ts, String value) throws Exception {
    String payload =
        """
        {"type": "block_actions", "user": {"id": "%s", "team_id": "%s"}, "api_app_id": "A0FAKEAPP",
         "container": {"type": "message", "message_ts": "%s", "channel_id": "%s", "is_ephemeral": false},
         "team": {"id": "%s", "domain": "crash"}, "channel": {"id": "%s", "name": "votes"},
         "message": {"type": "message", "ts": "%s", "text": "vote"},
         "actions": [{"action_id": "cast_vote", "block_id": "b1", "type": "button", "value": "%s",
                      "action_ts": "%d.%06d"}]}
        """
            .formatted(
                user,
                TEAM,
                ts,
                CHANNEL,
                TEAM,
                CHANNEL,
                ts,
                value,
                Instant.now().getEpochSecond(),
                System.nanoTime() % 1_000_000);
    String body = "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
    long timestamp = Instant.now().getEpochSecond();
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(FakeSlack.SIGNING_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String signature =
        "v0="
            + HexFormat.of()
                .formatHex(
                    mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/api/hooks/slack"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Slack-Request-Timestamp", Long.toString(timestamp))
                .header("X-Slack-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private int count(String location, String option) {
    return record(location).path("outcome").path("votes").path(option).path("count").asInt(-1);
  }

  private JsonNode record(String location) {
    try {
      HttpResponse<String> response = send("GET", location, null);
      return response.statusCode() == 200
          ? FakeSlackJson.read(response.body())
          : FakeSlackJson.read("{}");
    } catch (IOException e) {
      return FakeSlackJson.read("{}");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json")
            .header("X-Metagov-Community", COMMUNITY)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void startApp(ChildJvm app) throws Exception {
    crashApp.start(app);
    note("app run (pid " + app.pid() + ") ready");
  }

  private void note(String line) {
    System.out.println(String.format("[slack-crash-it t+%6.1fs] %s", elapsedSeconds(), line));
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /** Jackson for this test's JSON. */
  private static final class FakeSlackJson {
    private static final tools.jackson.databind.ObjectMapper MAPPER =
        new tools.jackson.databind.ObjectMapper();

    static JsonNode read(String text) {
      return MAPPER.readTree(text);
    }
  }
}

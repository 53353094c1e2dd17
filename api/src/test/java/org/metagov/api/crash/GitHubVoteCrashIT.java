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
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.databind.JsonNode;

/**
 * A GitHub vote survives SIGKILL twice: the packaged application runs as a child JVM against a
 * standalone Temporal test server and a PostgreSQL of this test, with a fake GitHub ({@link
 * FakeGitHub}) and a fake Driver in this JVM (all on 127.0.0.1). The first kill comes while
 * GitHub's answer to the vote's issue creation is on its way (the issue exists; the application has
 * not heard so): the restarted start must adopt that issue, not open a second. The second comes
 * right after a comment's webhook was acknowledged: the restarted worker must still re-read the
 * issue for it. At the deadline the Driver's callback must carry every vote, and the issue must
 * have one result comment and be closed.
 */
class GitHubVoteCrashIT {

  private static final String COMMUNITY = "github-crash";
  private static final String INSTALLATION = "31337";
  private static final String WEBHOOK_SECRET = "fake-github-webhook-secret-5c4b";

  /**
   * Long enough for the interrupted start to be retried on the restarted worker: its attempt
   * heartbeats before each GitHub request, so it is given up a heartbeat timeout (the 20 s request
   * timeout and 5 s) after the kill.
   */
  private static final Duration DEADLINE = Duration.ofSeconds(70);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final long started = System.nanoTime();
  private int appPort;
  private CrashApp crashApp;
  private FakeGitHub fakeGitHub;

  @Test
  @Timeout(value = 400, unit = TimeUnit.SECONDS)
  void aVoteKilledDuringItsStartAndAfterAnAcknowledgedWebhookOpensOneIssueAndCountsEveryVote()
      throws Exception {
    Path workDir = CrashApp.workDir("github");

    List<ChildJvm> children = new ArrayList<>();
    Thread cleanUpOnExit = new Thread(() -> children.forEach(ChildJvm::killQuietly));
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    EmbeddedPostgres postgres = null;
    WireMockServer driver = null;
    try (FakeGitHub github = new FakeGitHub()) {
      fakeGitHub = github;
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ChildJvm temporal =
          new ChildJvm(
              "github-temporal",
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

      crashApp = new CrashApp(temporalPort, postgres, 7);
      appPort = crashApp.port;
      crashApp.environment.put("DELIVERY_MAX_BACKOFF", "2s");
      crashApp.environment.put("GITHUB_APP_ID", FakeGitHub.APP_ID);
      crashApp.environment.put("GITHUB_APP_SLUG", FakeGitHub.SLUG);
      crashApp.environment.put("GITHUB_APP_PRIVATE_KEY", github.privateKeyPem());
      crashApp.environment.put("GITHUB_CLIENT_ID", "Iv1.crash");
      crashApp.environment.put("GITHUB_CLIENT_SECRET", "fake-github-client-secret");
      crashApp.environment.put("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
      crashApp.environment.put("GITHUB_API_BASE_URL", github.apiBaseUrl());
      ChildJvm app = crashApp.jvm("github-app", workDir);
      children.add(app);
      startApp(app);

      // The config the install flow would store, with its proof (an HMAC of the installation under
      // the webhook secret).
      String proof =
          WebhookSignatures.hmacSha256Hex(
              WEBHOOK_SECRET,
              ("metagov-github-installation:" + INSTALLATION).getBytes(StandardCharsets.UTF_8));
      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              """
          {"name": "%s", "plugins": [{"name": "github", "config": {"installation_id": "%s", "owner": "%s",
            "owner_type": "Organization", "installation_proof": "%s"}}]}
          """
                  .formatted(COMMUNITY, INSTALLATION, FakeGitHub.OWNER, proof));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);

      CountDownLatch creation = github.holdNextIssueCreation(Duration.ofSeconds(10));
      String closingAt = Instant.now().plus(DEADLINE).truncatedTo(ChronoUnit.SECONDS).toString();
      HttpResponse<String> accepted =
          send(
              "POST",
              "/api/internal/process/github.issue-comment-vote",
              """
          {"repo_name": "%s", "question": "Keep the crash test?", "closing_at": "%s", "callback_url": "%s"}
          """
                  .formatted(
                      FakeGitHub.REPO,
                      closingAt,
                      "http://127.0.0.1:" + driver.port() + "/callback"));
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      long id = Json.parse(accepted.body()).path("id").asLong();
      String location = "/api/internal/process/github.issue-comment-vote/" + id;

      assertThat(creation.await(60, TimeUnit.SECONDS))
          .as("the start asked GitHub to open the issue")
          .isTrue();
      long pid = app.pid();
      app.kill();
      note(
          "SIGKILL (pid "
              + pid
              + ") while GitHub's answer to the issue creation was held; closes at "
              + closingAt);
      long killed = System.nanoTime();
      startApp(app);
      long restarted = System.nanoTime();

      await()
          .atMost(Duration.ofSeconds(45))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> "pending".equals(record(location).path("status").asString()));
      String recovery =
          String.format(
              "RECOVERY: the interrupted start was back on track (issue adopted, vote pending)"
                  + " %.1f s after the restart was ready, %.1f s after the kill",
              (System.nanoTime() - restarted) / 1e9, (System.nanoTime() - killed) / 1e9);
      note(recovery);
      System.out.println(recovery);
      assertThat(github.issues())
          .as("the restarted start adopted the issue the first attempt opened")
          .hasSize(1);
      assertThat(record(location).path("url").asString())
          .isEqualTo("https://github.com/Crash-Org/charter/issues/1");
      note("vote " + id + " pending on issue 1 after the restart");

      vote("ada", "^^^^yes^^^^");
      vote("bob", "I say ^^^^no^^^^");
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> record(location).path("outcome").path("voters").size() == 2);

      // cy votes; the webhook is acknowledged, and the application dies before anything else
      // happens.
      vote("cy", "^^^^YES^^^^");
      pid = app.pid();
      app.kill();
      note("SIGKILL (pid " + pid + ") right after cy's comment webhook was acknowledged");
      startApp(app);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () ->
                  record(location).path("outcome").path("votes").path("yes").path("count").asInt()
                      == 2);
      note("after the restart the record shows cy's vote");

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
      JsonNode outcome = Json.parse(callbacks.get(0).getBodyAsString()).path("outcome");
      assertThat(outcome.path("votes"))
          .isEqualTo(
              Json.parse(
                  """
          {"yes": {"users": ["ada", "cy"], "count": 2}, "no": {"users": ["bob"], "count": 1}}"""));
      assertThat(outcome.path("voters")).isEqualTo(Json.parse("[\"ada\", \"bob\", \"cy\"]"));
      assertThat(github.issues())
          .singleElement()
          .satisfies(issue -> assertThat(issue.path("state").asString()).isEqualTo("closed"));
      assertThat(
              github.comments(1).stream()
                  .filter(c -> c.path("user").path("type").asString().equals("Bot"))
                  .toList())
          .as("one result comment")
          .singleElement()
          .satisfies(c -> assertThat(c.path("body").asString()).contains("yes: 2", "no: 1"));
      assertThat(
              github.requests("POST /api/repos/Crash-Org/charter/issues").stream()
                  .filter(r -> r.endsWith("/issues")))
          .as("the issue was asked for once: the retried start found it")
          .hasSize(1);
      String summary =
          "GITHUB CRASH SUMMARY: votes=3 kills=2 callbacks="
              + callbacks.size()
              + " issues="
              + github.issues().size()
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
   * A person comments on the vote's issue, and GitHub sends the signed {@code issue_comment}
   * webhook, acknowledged.
   */
  private void vote(String login, String body) throws Exception {
    String payload = fakeGitHub.comment(1, login, body, INSTALLATION);
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/api/hooks/github"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-GitHub-Event", "issue_comment")
                .header("X-GitHub-Delivery", java.util.UUID.randomUUID().toString())
                .header(
                    "X-Hub-Signature-256",
                    "sha256="
                        + WebhookSignatures.hmacSha256Hex(
                            WEBHOOK_SECRET, payload.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(Json.parse(answer.body()).path("processes").asInt())
        .as("the webhook hinted the vote")
        .isEqualTo(1);
  }

  private JsonNode record(String location) {
    try {
      HttpResponse<String> response = send("GET", location, null);
      return response.statusCode() == 200 ? Json.parse(response.body()) : Json.parse("{}");
    } catch (IOException e) {
      return Json.parse("{}");
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
    System.out.println(String.format("[github-crash-it t+%6.1fs] %s", elapsedSeconds(), line));
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }
}

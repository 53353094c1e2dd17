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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.metagov.api.discord.DiscordTestSupport;
import org.metagov.api.discord.FakeDiscord;
import tools.jackson.databind.JsonNode;

/**
 * A Discord vote survives SIGKILL: the packaged application runs as a child JVM against a
 * standalone Temporal test server and a PostgreSQL of this test, with the fake Discord (whose
 * Ed25519 key signs the presses) and a fake Driver in this JVM (all on 127.0.0.1). A vote is
 * started in a channel; two members press buttons; a third press (a changed vote) is acknowledged
 * and the application is killed at once. After the restart one more member votes, the deadline
 * passes, and the Driver's callback must carry every acknowledged press, the message must have been
 * posted once and closed with its buttons disabled.
 */
class DiscordVoteCrashIT {

  private static final String COMMUNITY = "discord-crash";
  private static final String GUILD = "5000000000000000001";
  private static final String CHANNEL = "5000000000000000002";
  private static final String ALICE = "5000000000000000011";
  private static final String BOB = "5000000000000000012";
  private static final String CAROL = "5000000000000000013";
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
    Path workDir = CrashApp.workDir("discord");

    List<ChildJvm> children = new ArrayList<>();
    Thread cleanUpOnExit = new Thread(() -> children.forEach(ChildJvm::killQuietly));
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    EmbeddedPostgres postgres = null;
    WireMockServer driver = null;
    try (FakeDiscord discord = new FakeDiscord()) {
      discord.guild(GUILD, "Crash guild", CHANNEL);
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ChildJvm temporal =
          new ChildJvm(
              "discord-temporal",
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
      crashApp.environment.put("DISCORD_CLIENT_ID", FakeDiscord.CLIENT_ID);
      crashApp.environment.put("DISCORD_CLIENT_SECRET", FakeDiscord.CLIENT_SECRET);
      crashApp.environment.put("DISCORD_PUBLIC_KEY", discord.publicKeyHex());
      crashApp.environment.put("DISCORD_BOT_TOKEN", FakeDiscord.BOT_TOKEN);
      crashApp.environment.put("DISCORD_API_BASE_URL", discord.apiBaseUrl());
      crashApp.environment.put("DISCORD_WEB_BASE_URL", discord.baseUrl());
      ChildJvm app = crashApp.jvm("discord-app", workDir);
      children.add(app);
      startApp(app);

      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              """
          {"name": "%s", "plugins": [{"name": "discord", "config": {"guild_id": "%s", "guild_name": "Crash guild",
            "installation_proof": "%s"}}]}
          """
                  .formatted(COMMUNITY, GUILD, DiscordTestSupport.proof(GUILD)));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);

      String closingAt = Instant.now().plus(DEADLINE).truncatedTo(ChronoUnit.SECONDS).toString();
      String callbackUrl = "http://127.0.0.1:" + driver.port() + "/callback";
      HttpResponse<String> accepted =
          send(
              "POST",
              "/api/internal/process/discord.vote",
              """
          {"title": "Keep the crash test?", "poll_type": "boolean", "channel": "%s", "closing_at": "%s",
           "callback_url": "%s"}
          """
                  .formatted(CHANNEL, closingAt, callbackUrl));
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      long id = CrashJson.read(accepted.body()).path("id").asLong();
      String location = "/api/internal/process/discord.vote/" + id;
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> "pending".equals(record(location).path("status").asString()));
      String messageId = record(location).path("outcome").path("message_id").asString();
      note("vote " + id + " pending, message " + messageId + ", closes at " + closingAt);

      press(discord, ALICE, messageId, "cast_vote:0");
      press(discord, BOB, messageId, "cast_vote:1");
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> count(location, "yes") == 1 && count(location, "no") == 1);

      // Bob changes his mind; the press is acknowledged, and the application dies before anything
      // else happens.
      press(discord, BOB, messageId, "cast_vote:0");
      long pid = app.pid();
      app.kill();
      note("SIGKILL (pid " + pid + ") right after Bob's re-vote was acknowledged");
      startApp(app);

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> count(location, "yes") == 2 && count(location, "no") == 0);
      note("after the restart the record shows the re-vote");
      press(discord, CAROL, messageId, "cast_vote:1");
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
      JsonNode outcome = CrashJson.read(callbacks.get(0).getBodyAsString()).path("outcome");
      assertThat(outcome.path("votes"))
          .isEqualTo(
              CrashJson.read(
                  """
          {"yes": {"users": ["%s", "%s"], "count": 2}, "no": {"users": ["%s"], "count": 1}}"""
                      .formatted(ALICE, BOB, CAROL)));
      List<FakeDiscord.Call> posts = discord.calls("POST", "/channels/" + CHANNEL + "/messages");
      assertThat(posts.stream().map(c -> c.body().path("nonce").asString()).distinct().toList())
          .as("every post of the vote carried one nonce")
          .hasSize(1);
      assertThat(discord.message(CHANNEL, messageId)).isNotNull();
      assertThat(
              discord.message(CHANNEL, messageId).path("components").findValues("disabled").stream()
                  .allMatch(JsonNode::asBoolean))
          .as("the buttons are disabled")
          .isTrue();
      String summary =
          "DISCORD CRASH SUMMARY: presses=4 kills=1 callbacks="
              + callbacks.size()
              + " posts="
              + posts.size()
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
   * A button press as Discord sends it: a MESSAGE_COMPONENT interaction, signed with the
   * application's key.
   */
  private void press(FakeDiscord discord, String user, String messageId, String customId)
      throws Exception {
    String body =
        """
        {"application_id": "%s", "type": 3, "id": "%s", "token": "%s", "version": 1, "guild_id": "%s",
         "channel_id": "%s", "member": {"user": {"id": "%s", "username": "member"}, "roles": []},
         "message": {"id": "%s", "channel_id": "%s", "type": 0, "author": {"id": "%s", "bot": true}},
         "data": {"component_type": 2, "custom_id": "%s"}}
        """
            .formatted(
                FakeDiscord.CLIENT_ID,
                discord.snowflake(),
                discord.interactionToken(),
                GUILD,
                CHANNEL,
                user,
                messageId,
                CHANNEL,
                FakeDiscord.CLIENT_ID,
                customId);
    String timestamp = Long.toString(Instant.now().getEpochSecond());
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + "/api/hooks/discord"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Signature-Timestamp", timestamp)
                .header("X-Signature-Ed25519", discord.sign(timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("{\"type\":6}");
  }

  private int count(String location, String option) {
    return record(location).path("outcome").path("votes").path(option).path("count").asInt(-1);
  }

  private JsonNode record(String location) {
    try {
      HttpResponse<String> response = send("GET", location, null);
      return response.statusCode() == 200 ? CrashJson.read(response.body()) : CrashJson.read("{}");
    } catch (IOException e) {
      return CrashJson.read("{}");
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
    System.out.println(String.format("[discord-crash-it t+%6.1fs] %s", elapsedSeconds(), line));
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /** Jackson for this test's JSON. */
  private static final class CrashJson {
    private static final tools.jackson.databind.ObjectMapper MAPPER =
        new tools.jackson.databind.ObjectMapper();

    static JsonNode read(String text) {
      return MAPPER.readTree(text);
    }
  }
}

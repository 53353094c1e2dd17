package org.metagov.api.crash;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Crash-proofing, end to end: the packaged application ({@code target/metagov.jar}) runs as a child
 * JVM against a standalone Temporal test server (its own JVM) and a PostgreSQL that both belong to
 * this test, so they survive the application being killed with SIGKILL. A stateful fake Discourse
 * and a fake Driver callback receiver run in this JVM. Everything listens on 127.0.0.1.
 *
 * <p>Scenario: 3 Discourse polls and 10 randomness votes, all with a {@code callback_url}. Kill #1
 * while Discourse is creating the polls (their answers are held back, the posts already exist);
 * kill #2 while every process waits on its timer; kill #3 right after Discourse webhooks were
 * acknowledged and one poll was closed early (DELETE), its callback due. Each time the same
 * application restarts; the other processes reach their deadlines. Then: every process is {@code
 * completed}, every callback arrived (deduplicated by {@code webhook-id}), and no poll was posted
 * twice on the forum.
 *
 * <p>The application runs with the sticky schedule-to-start timeout at zero: the Java test server
 * does not expire work left on a dead worker's sticky queue (DESIGN.md §6).
 */
class ProcessCrashIT {

  private static final String API_KEY = "crash-test-api-key";
  private static final String WEBHOOK_SECRET = "crash-test-webhook-secret";
  private static final String COMMUNITY = "crash-test";
  private static final int DISCOURSE_POLLS = 3;
  private static final int RANDOM_VOTES = 10;

  /** Discourse holds back its answers to the poll creations this long; kill #1 lands inside it. */
  private static final int CREATE_DELAY_MILLIS = 10_000;

  /**
   * The polls' deadline, counted from their start: after two restarts (each under 10 s on a loaded
   * 2-core machine with {@link CrashApp.Launch}, about 35 s without it), the lost creation's
   * retries (each a heartbeat timeout, 25 s, after the attempt was lost), the webhooks and the
   * early close.
   */
  private static final Duration POLL_DEADLINE = Duration.ofSeconds(90);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final long started = System.nanoTime();
  private final List<String> timeline = new ArrayList<>();
  private int appPort;
  private int managementPort;
  private CrashApp crashApp;
  private int kills;

  record Started(String name, long id, String callbackPath) {}

  @Test
  @Timeout(value = 280, unit = TimeUnit.SECONDS)
  void everyProcessCompletesAndDeliversAcrossKills() throws Exception {
    Path workDir = CrashApp.workDir("process");

    EmbeddedPostgres postgres = null;
    ChildJvm temporal = null;
    ChildJvm app = null;
    FakeDiscourse discourse = null;
    WireMockServer driver = null;
    List<ChildJvm> children = new ArrayList<>();
    Thread cleanUpOnExit = new Thread(() -> children.forEach(ChildJvm::killQuietly));
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    boolean passed = false;
    try {
      // --- the world that outlives the application
      // ----------------------------------------------------
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      temporal =
          new ChildJvm(
              "temporal",
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
      discourse = new FakeDiscourse(API_KEY);
      driver =
          new WireMockServer(
              WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
      driver.start();
      String driverUrl = "http://127.0.0.1:" + driver.port();
      driver.stubFor(post(urlPathMatching("/callbacks/.*")).willReturn(ok()));
      for (String flaky : List.of("/callbacks/poll-2", "/callbacks/vote-1")) {
        // This Driver endpoint is down for its first attempt: the delivery retries with the same
        // webhook-id.
        driver.stubFor(
            post(urlPathEqualTo(flaky))
                .inScenario(flaky)
                .whenScenarioStateIs(Scenario.STARTED)
                .willReturn(serviceUnavailable())
                .willSetStateTo("up"));
        driver.stubFor(
            post(urlPathEqualTo(flaky))
                .inScenario(flaky)
                .whenScenarioStateIs("up")
                .willReturn(ok()));
      }
      CrashApp.awaitPort(temporal, temporalPort, Duration.ofSeconds(60));
      note(
          "Temporal test server (pid "
              + temporal.pid()
              + ") on 127.0.0.1:"
              + temporalPort
              + ", PostgreSQL on "
              + postgres.getPort()
              + ", fake Discourse "
              + discourse.baseUrl()
              + ", Driver receiver "
              + driverUrl);

      // --- the application, a child JVM
      // --------------------------------------------------------------
      crashApp = new CrashApp(temporalPort, postgres, 5);
      appPort = crashApp.port;
      managementPort = crashApp.managementPort;
      crashApp.environment.put("PROCESS_RECONCILE_INTERVAL", "5s");
      // Reconciling every 5 s compresses time, and Discourse's bucket keeps its default (0.9
      // calls/s): the three polls' re-reads take only tokens nobody waits for, so a poll creation
      // retried after kill #2 gets the next one (it went without one for over a minute before
      // re-reads gave way).
      crashApp.environment.put("DELIVERY_MAX_BACKOFF", "2s");
      app = crashApp.jvm("app", workDir);
      children.add(app);
      startApp(app);

      String hooks = "/api/hooks/" + COMMUNITY + "/discourse";
      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              null,
              """
          {"name": "%s", "readable_name": "Crash test", "plugins": [
            {"name": "randomness", "config": {}},
            {"name": "discourse", "config": {"server_url": "%s", "api_key": "%s", "webhook_secret": "%s"}}]}
          """
                  .formatted(COMMUNITY, discourse.baseUrl(), API_KEY, WEBHOOK_SECRET));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);

      // --- start the processes; Discourse holds back its answers to the poll creations
      // ----------------
      discourse.delayCreates(CREATE_DELAY_MILLIS);
      List<Started> processes = new ArrayList<>();
      String closingAt =
          Instant.now().plus(POLL_DEADLINE).truncatedTo(ChronoUnit.SECONDS).toString();
      for (int i = 1; i <= DISCOURSE_POLLS; i++) {
        processes.add(
            start(
                "discourse.poll",
                "poll-" + i,
                """
            {"title": "Crash test poll number %d of %d", "options": ["Yes", "No"], "details": "Please vote.",
             "closing_at": "%s", "callback_url": "%s/callbacks/poll-%d"}
            """
                    .formatted(i, DISCOURSE_POLLS, closingAt, driverUrl, i)));
      }
      for (int i = 1; i <= RANDOM_VOTES; i++) {
        processes.add(
            start(
                "randomness.delayed-stochastic-vote",
                "vote-" + i,
                """
            {"options": ["red", "green", "blue"], "delay": 1, "callback_url": "%s/callbacks/vote-%d"}
            """
                    .formatted(driverUrl, i)));
      }
      note(
          "started "
              + processes.size()
              + " processes; polls close at "
              + closingAt
              + ", votes in 1 minute");
      assertThat(app.logText())
          .as("the app tolerates a server without Metagov's search attributes")
          .contains("processes run without them");

      // --- kill #1: while Discourse is creating the polls
      // ---------------------------------------------
      FakeDiscourse forum = discourse;
      try {
        await()
            .atMost(Duration.ofSeconds(6))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> forum.createRequests() >= DISCOURSE_POLLS);
      } catch (ConditionTimeoutException e) {
        assertThat(forum.createRequests())
            .as("Discourse received a poll creation before kill #1")
            .isPositive();
      }
      int inFlight = forum.createRequests();
      assertThat(forum.millisSinceFirstCreate())
          .as("kill #1 lands before Discourse answers")
          .isBetween(0L, CREATE_DELAY_MILLIS - 1000L);
      kill(
          app,
          "#1 with "
              + inFlight
              + " POST /posts.json in flight (their answers held back "
              + CREATE_DELAY_MILLIS / 1000
              + " s; the posts exist on the forum)");
      // One snapshot: a creation that was still arriving when the await gave up may land after
      // inFlight was read.
      FakeDiscourse.Creates atKill = forum.creates();
      assertThat(atKill.refused()).as("poll creations refused before kill #1").isZero();
      assertThat(atKill.topics())
          .as("topics stored for the creations received")
          .isEqualTo(atKill.requests())
          .isGreaterThanOrEqualTo(inFlight);
      discourse.delayCreates(0);
      long killed = System.nanoTime();
      int callsBefore = forum.createRequests() + forum.externalIdLookups();
      startApp(app);
      long restarted = System.nanoTime();
      // Back on track: the restarted worker makes the lost creation's retried platform call (a
      // lookup of the
      // post by its external_id, or the creation itself).
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> forum.createRequests() + forum.externalIdLookups() > callsBefore);
      String recovery =
          String.format(
              "RECOVERY: the lost poll creation's retried call reached Discourse %.1f s after"
                  + " the restart was ready, %.1f s after the kill",
              (System.nanoTime() - restarted) / 1e9, (System.nanoTime() - killed) / 1e9);
      note(recovery);
      System.out.println(recovery);

      // --- kill #2: while every process waits
      // ---------------------------------------------------------
      // A vote whose workflow task or activity was cut by kill #1 resumes after that task's timeout
      // (10 s for a
      // workflow task, 60 s for an activity that does not call a platform): wait a little for the
      // votes, then kill
      // whatever state they are in.
      List<Started> votes =
          processes.stream().filter(p -> p.name().startsWith("randomness")).toList();
      try {
        await()
            .atMost(Duration.ofSeconds(15))
            .pollInterval(Duration.ofMillis(500))
            .until(() -> votes.stream().allMatch(p -> "pending".equals(status(p))));
      } catch (ConditionTimeoutException e) {
        // some still resume after kill #1; kill #2 catches them mid-way, which is fine too
      }
      long waiting = votes.stream().filter(p -> "pending".equals(status(p))).count();
      assertThat(waiting).as("votes waiting on their timer before kill #2").isPositive();
      kill(
          app,
          "#2 while "
              + waiting
              + " of "
              + votes.size()
              + " votes wait on their timers and the poll creations"
              + " are retried");
      startApp(app);

      // --- the polls exist once each; votes and signed webhooks
      // --------------------------------------
      List<Started> polls =
          processes.stream().filter(p -> p.name().equals("discourse.poll")).toList();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> polls.stream().allMatch(p -> !"created".equals(status(p))));
      for (Started p : polls) {
        assertThat(status(p))
            .as("poll %d after its creation was retried", p.id())
            .isEqualTo("pending");
      }
      note(
          "all polls pending; forum: "
              + forum.createRequests()
              + " creation requests, "
              + forum.createsRefused()
              + " refused as duplicates, "
              + forum.externalIdLookups()
              + " external_id lookups, "
              + forum.topicCount()
              + " topics");

      Map<Long, Long> expectedYes = new LinkedHashMap<>();
      AtomicInteger eventIds = new AtomicInteger(9000);
      for (int i = 0; i < polls.size(); i++) {
        Started p = polls.get(i);
        FakeDiscourse.Topic topic = forum.topicOf(COMMUNITY, p.id());
        assertThat(topic).as("the forum has the poll of process %d", p.id()).isNotNull();
        long yes = 2L + i;
        forum.setVotes(topic.postId, "Yes", yes);
        forum.setVotes(topic.postId, "No", 1);
        expectedYes.put(p.id(), yes);
        String body =
            """
            {"post": {"id": %d, "topic_id": %d, "post_number": 1, "username": "alice", "raw": "voted", "post_type": 1}}
            """
                .formatted(topic.postId, topic.id);
        String eventId = Integer.toString(eventIds.incrementAndGet());
        JsonNode first =
            FakeDiscourse.JSON.readTree(webhook(hooks, eventId, body, WEBHOOK_SECRET).body());
        assertThat(first.path("status").asString()).isEqualTo("accepted");
        assertThat(first.path("processes").asInt()).isEqualTo(1);
        JsonNode again =
            FakeDiscourse.JSON.readTree(webhook(hooks, eventId, body, WEBHOOK_SECRET).body());
        assertThat(again.path("status").asString())
            .as("a redelivered webhook is applied once")
            .isEqualTo("duplicate");
        assertThat(webhook(hooks, eventId + "0", body, "not-the-secret").statusCode())
            .isEqualTo(401);
      }

      // --- close one poll early, then kill #3 at once: its result delivery is due, the other
      // polls' webhook
      // refreshes may be under way
      // -------------------------------------------------------------------------
      Started early = polls.get(0);
      HttpResponse<String> closed = send("DELETE", path(early), null, null);
      assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
      JsonNode closedRecord = FakeDiscourse.JSON.readTree(closed.body());
      assertThat(closedRecord.path("status").asString()).isEqualTo("completed");
      assertThat(closedRecord.path("outcome").path("status").asString()).isEqualTo("closed");
      assertThat(closedRecord.path("outcome").path("votes").path("Yes").asLong())
          .isEqualTo(expectedYes.get(early.id()));
      assertThat(forum.pollStatus(forum.topicOf(COMMUNITY, early.id()).postId)).isEqualTo("closed");
      note("closed poll " + early.id() + " early");
      kill(
          app,
          "#3 right after "
              + polls.size()
              + " signed webhooks were acknowledged and poll "
              + early.id()
              + " was closed (its callback due)");
      startApp(app);
      assertThat(send("DELETE", path(early), null, null).statusCode())
          .as("closing it again")
          .isEqualTo(409);
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> polls.stream().allMatch(p -> yesVotes(p) == expectedYes.get(p.id())));
      note("every poll's record shows the votes cast on the forum");

      long secondsToDeadline =
          Duration.between(Instant.now(), Instant.parse(closingAt)).toSeconds();
      await()
          .atMost(Duration.ofSeconds(Math.max(0, secondsToDeadline) + 45))
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> processes.stream().allMatch(p -> "completed".equals(status(p))));
      note("all " + processes.size() + " processes completed");

      // --- every callback arrived, and no poll was posted twice
      // ----------------------------------------
      WireMockServer receiver = driver;
      Set<String> expectedIds = new LinkedHashSet<>();
      processes.forEach(p -> expectedIds.add("process-" + p.id() + "-result"));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> callbacks(receiver).keySet().containsAll(expectedIds));
      Map<String, LoggedRequest> callbacks = callbacks(receiver);
      int attempts = receiver.findAll(postRequestedFor(urlPathMatching("/callbacks/.*"))).size();
      long accepted = acceptedCallbacks(receiver);
      for (Started p : processes) {
        LoggedRequest callback = callbacks.get("process-" + p.id() + "-result");
        assertThat(callback.getUrl()).isEqualTo(p.callbackPath());
        JsonNode record = FakeDiscourse.JSON.readTree(callback.getBodyAsString());
        assertThat(record.path("id").asLong()).isEqualTo(p.id());
        assertThat(record.path("status").asString()).isEqualTo("completed");
        if (p.name().equals("discourse.poll")) {
          assertThat(record.path("outcome").path("votes").path("Yes").asLong())
              .isEqualTo(expectedYes.get(p.id()));
          assertThat(record.path("outcome").path("status").asString()).isEqualTo("closed");
        } else {
          assertThat(record.path("outcome").path("winner").asString()).isIn("red", "green", "blue");
        }
      }
      Map<String, Integer> postsPerProcess = forum.createdPostsByMarker();
      int duplicatePosts = postsPerProcess.values().stream().mapToInt(n -> n - 1).sum();
      Set<String> unexpected = new LinkedHashSet<>(callbacks.keySet());
      unexpected.removeAll(expectedIds);

      String summary =
          "CRASH SUMMARY: processes="
              + processes.size()
              + " completed="
              + processes.stream().filter(p -> "completed".equals(status(p))).count()
              + " kills="
              + kills
              + " callbacks_expected="
              + expectedIds.size()
              + " callbacks_received_unique="
              + callbacks.size()
              + " callback_attempts="
              + attempts
              + " callbacks_accepted_total="
              + accepted
              + " polls_created="
              + forum.topicCount()
              + " duplicate_posts="
              + duplicatePosts
              + " creates_refused_as_duplicate="
              + forum.createsRefused()
              + " elapsed_s="
              + elapsedSeconds();
      note(summary);
      System.out.println(summary);
      Files.writeString(workDir.resolve("summary.txt"), String.join("\n", timeline) + "\n");

      assertThat(unexpected).as("callbacks for unknown deliveries").isEmpty();
      assertThat(attempts)
          .as("the two endpoints that were down once were retried")
          .isGreaterThanOrEqualTo(expectedIds.size() + 2);
      assertThat(postsPerProcess)
          .as("posts created on the forum per process")
          .hasSize(DISCOURSE_POLLS)
          .allSatisfy((marker, count) -> assertThat(count).as(marker).isEqualTo(1));
      assertThat(duplicatePosts).isZero();
      passed = true;
    } finally {
      if (!passed && app != null) {
        System.out.println(String.join("\n", timeline));
        System.out.println("---- last lines of " + app.log() + " ----\n" + app.logTail(80));
        if (temporal != null) {
          System.out.println(
              "---- last lines of " + temporal.log() + " ----\n" + temporal.logTail(30));
        }
      }
      children.forEach(ChildJvm::killQuietly);
      if (driver != null) {
        driver.stop();
      }
      if (discourse != null) {
        discourse.close();
      }
      if (postgres != null) {
        postgres.close(); // stops the server and deletes its data directory
      }
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
    }
  }

  // --- the application
  // ---------------------------------------------------------------------------------

  private void startApp(ChildJvm app) throws Exception {
    crashApp.start(app);
    note("app run (pid " + app.pid() + ", log " + app.log().getFileName() + ") ready");
  }

  private void kill(ChildJvm app, String what) throws InterruptedException {
    long pid = app.pid();
    app.kill();
    kills++;
    note("SIGKILL " + what + " (pid " + pid + ")");
  }

  private Started start(String name, String key, String body) throws Exception {
    HttpResponse<String> response = send("POST", "/api/internal/process/" + name, key, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonNode record = FakeDiscourse.JSON.readTree(response.body());
    String callback =
        URI.create(FakeDiscourse.JSON.readTree(body).path("callback_url").asString()).getPath();
    return new Started(name, record.path("id").asLong(), callback);
  }

  private String status(Started p) {
    HttpResponse<String> response = get(path(p));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return FakeDiscourse.JSON.readTree(response.body()).path("status").asString();
  }

  private long yesVotes(Started p) {
    HttpResponse<String> response = get(path(p));
    return FakeDiscourse.JSON
        .readTree(response.body())
        .path("outcome")
        .path("votes")
        .path("Yes")
        .asLong(-1);
  }

  private HttpResponse<String> get(String path) {
    try {
      return send("GET", path, null, null);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String path(Started p) {
    return "/api/internal/process/" + p.name() + "/" + p.id();
  }

  private HttpResponse<String> send(String method, String path, String idempotencyKey, String body)
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
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (idempotencyKey != null) {
      request.header("Idempotency-Key", idempotencyKey);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * A Discourse webhook as Discourse sends it: signed with the webhook secret, with its delivery
   * id.
   */
  private HttpResponse<String> webhook(String hooks, String eventId, String body, String secret)
      throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String signature =
        "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + hooks))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("X-Discourse-Event-Id", eventId)
            .header("X-Discourse-Event-Type", "post")
            .header("X-Discourse-Event", "post_edited")
            .header("X-Discourse-Event-Signature", signature)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /**
   * The callbacks the Driver accepted (answered 2xx), one per {@code webhook-id}: a Driver
   * deduplicates on it, so a second accepted delivery with the same id is harmless (and counted in
   * {@code callbacks_accepted_total}).
   */
  private static Map<String, LoggedRequest> callbacks(WireMockServer receiver) {
    Map<String, LoggedRequest> unique = new LinkedHashMap<>();
    for (ServeEvent event : receiver.getAllServeEvents()) {
      if (event.getRequest().getUrl().startsWith("/callbacks/")
          && event.getResponse() != null
          && event.getResponse().getStatus() / 100 == 2) {
        unique.putIfAbsent(
            event.getRequest().getHeader("webhook-id"),
            LoggedRequest.createFrom(event.getRequest()));
      }
    }
    return unique;
  }

  private static long acceptedCallbacks(WireMockServer receiver) {
    return receiver.getAllServeEvents().stream()
        .filter(
            e ->
                e.getRequest().getUrl().startsWith("/callbacks/")
                    && e.getResponse() != null
                    && e.getResponse().getStatus() / 100 == 2)
        .count();
  }

  private void note(String line) {
    String entry = String.format("[crash-it t+%6.1fs] %s", elapsedSeconds(), line);
    timeline.add(entry);
    System.out.println(entry);
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }
}

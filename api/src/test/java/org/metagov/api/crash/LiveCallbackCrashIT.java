package org.metagov.api.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Live outcome callbacks ({@code callback_on_update}) keep their order across a SIGKILL: the
 * packaged application runs as a child JVM against a standalone Temporal test server and a
 * PostgreSQL of this test, with the stateful fake Discourse and a fake Driver in this JVM (all on
 * 127.0.0.1).
 *
 * <p>A live Discourse poll's votes change several times. Versions 1 and 2 reach the Driver; the
 * Driver then holds its answer to version 3, another change (version 4) is projected meanwhile, and
 * the application is killed while version 3 is in flight. The held request is never answered 2xx
 * (the application is gone). After the restart one more change is made, the lost attempt times out,
 * the newest version is sent, and the poll is closed early. At the Driver: every request is signed
 * (Standard Webhooks), no version arrives after a newer one was answered 2xx, an update is accepted
 * after the restart, nothing arrives after the final callback, and the final carries the newest
 * version and the last outcome.
 */
class LiveCallbackCrashIT {

  private static final String API_KEY = "live-crash-api-key";
  private static final String WEBHOOK_SECRET = "live-crash-webhook-secret";
  private static final String COMMUNITY = "live-crash";
  private static final String POLL = "discourse.poll";
  private static final byte[] SIGNING_KEY =
      "live-callback-crash-signing-key!".getBytes(StandardCharsets.UTF_8);

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final long started = System.nanoTime();
  private final AtomicInteger eventIds = new AtomicInteger(5000);
  private int appPort;
  private CrashApp crashApp;

  @Test
  @Timeout(value = 280, unit = TimeUnit.SECONDS)
  void liveCallbacksStayInVersionOrderAcrossAKillAndEndWithTheFinal() throws Exception {
    Path workDir = CrashApp.workDir("live-callbacks");

    List<ChildJvm> children = new ArrayList<>();
    Thread cleanUpOnExit = new Thread(() -> children.forEach(ChildJvm::killQuietly));
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    EmbeddedPostgres postgres = null;
    ChildJvm app = null;
    boolean passed = false;
    try (FakeDiscourse forum = new FakeDiscourse(API_KEY);
        HoldingDriver driver = new HoldingDriver()) {
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ChildJvm temporal =
          new ChildJvm(
              "live-temporal",
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
      CrashApp.awaitPort(temporal, temporalPort, Duration.ofSeconds(60));

      crashApp = new CrashApp(temporalPort, postgres, 7);
      appPort = crashApp.port;
      crashApp.environment.put("DELIVERY_MAX_BACKOFF", "2s");
      // Longer than the Driver holds an answer before the kill, so the attempt is cut by the kill,
      // not by its deadline.
      crashApp.environment.put("DELIVERY_REQUEST_TIMEOUT", "45s");
      crashApp.environment.put(
          "METAGOV_SIGNING_SECRET", "whsec_" + Base64.getEncoder().encodeToString(SIGNING_KEY));
      app = crashApp.jvm("live-app", workDir);
      children.add(app);
      startApp(app);

      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              """
          {"name": "%s", "plugins": [{"name": "discourse", "config": {"server_url": "%s", "api_key": "%s",
            "webhook_secret": "%s"}}]}
          """
                  .formatted(COMMUNITY, forum.baseUrl(), API_KEY, WEBHOOK_SECRET));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);

      HttpResponse<String> accepted =
          send(
              "POST",
              "/api/internal/process/" + POLL,
              """
          {"title": "Should the live callbacks survive a crash?", "options": ["Yes", "No"],
           "callback_url": "%s", "callback_on_update": true}
          """
                  .formatted(driver.url()));
      assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
      long id = FakeDiscourse.JSON.readTree(accepted.body()).path("id").asLong();
      String location = "/api/internal/process/" + POLL + "/" + id;
      await("version 1 accepted")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> driver.acceptedUpdate(1));
      FakeDiscourse.Topic topic = forum.topicOf(COMMUNITY, id);
      assertThat(topic).as("the poll on the forum").isNotNull();

      votes(forum, topic, 1, 0);
      awaitVersion(location, 2);
      await("version 2 accepted")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> driver.acceptedUpdate(2));

      // The Driver holds its answers from version 3 on; version 4 is projected while version 3
      // waits.
      driver.hold(version -> version >= 3);
      votes(forum, topic, 2, 0);
      awaitVersion(location, 3);
      await("version 3 held at the Driver")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> driver.heldVersions().contains(3L));
      votes(forum, topic, 3, 0);
      awaitVersion(location, 4);
      assertThat(driver.heldVersions()).as("in flight at the kill").containsExactly(3L);
      long pid = app.pid();
      app.kill();
      note("SIGKILL (pid " + pid + ") while version 3 is in flight and version 4 is projected");
      // Nobody reads these answers any more: they are recorded as what they are, never a 2xx.
      driver.releaseHeld();
      driver.hold(version -> false);
      startApp(app);

      votes(forum, topic, 3, 1);
      awaitVersion(location, 5);
      note(
          "version 5 projected after the restart; the lost attempt at version 3 times out before the next one");
      await("an update accepted after the restart")
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> driver.acceptedUpdate(5));
      note("version 5 accepted");

      forum.setVotes(topic.postId, "Yes", 4);
      HttpResponse<String> closed = send("DELETE", location, null);
      assertThat(closed.statusCode()).as(closed.body()).isEqualTo(200);
      JsonNode closedRecord = FakeDiscourse.JSON.readTree(closed.body());
      assertThat(closedRecord.path("status").asString()).isEqualTo("completed");
      JsonNode lastOutcome = closedRecord.path("outcome");
      assertThat(lastOutcome.path("votes"))
          .isEqualTo(FakeDiscourse.JSON.readTree("{\"Yes\": 4, \"No\": 1}"));
      long finalVersion = closedRecord.path("version").asLong();
      await("the final callback")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> driver.received().stream().anyMatch(r -> r.isFinal() && r.accepted()));
      // Anything still queued behind the final would arrive within the delivery backoff.
      Thread.sleep(4_000);

      List<HoldingDriver.Received> received = driver.received();
      note(
          "the Driver received "
              + received.stream().map(HoldingDriver.Received::describe).toList());
      for (HoldingDriver.Received request : received) {
        String expectedId =
            request.isFinal()
                ? "process-" + id + "-result"
                : "process-" + id + "-update-" + request.version();
        assertThat(request.webhookId())
            .as("webhook-id of %s", request.describe())
            .isEqualTo(expectedId);
        assertThat(request.signature())
            .as("signature of %s", request.describe())
            .isEqualTo(
                standardWebhookSignature(request.webhookId(), request.timestamp(), request.body()));
        assertThat(request.json().path("id").asLong()).isEqualTo(id);
      }
      for (HoldingDriver.Received request : received) {
        long newestAccepted =
            received.stream()
                .filter(earlier -> earlier.accepted() && earlier.answeredAt() < request.arrivedAt())
                .mapToLong(HoldingDriver.Received::version)
                .max()
                .orElse(0);
        assertThat(request.version())
            .as("%s after version %d was accepted", request.describe(), newestAccepted)
            .isGreaterThanOrEqualTo(newestAccepted);
      }
      List<Long> acceptedUpdates =
          received.stream()
              .filter(r -> r.accepted() && !r.isFinal())
              .sorted(Comparator.comparingLong(HoldingDriver.Received::answeredAt))
              .map(HoldingDriver.Received::version)
              .toList();
      assertThat(acceptedUpdates)
          .as("accepted updates in the order they were answered")
          .startsWith(1L, 2L)
          .isSorted()
          .doesNotHaveDuplicates()
          .contains(5L)
          .doesNotContain(3L);
      assertThat(received.stream().filter(r -> r.version() == 3).allMatch(r -> r.status() == 503))
          .as("version 3 was only ever the held attempt")
          .isTrue();

      long firstFinal =
          received.stream()
              .filter(HoldingDriver.Received::isFinal)
              .mapToLong(HoldingDriver.Received::arrivedAt)
              .min()
              .orElseThrow();
      assertThat(received.stream().filter(r -> !r.isFinal() && r.arrivedAt() > firstFinal).toList())
          .as("updates after the final")
          .isEmpty();
      List<HoldingDriver.Received> finals =
          received.stream().filter(HoldingDriver.Received::isFinal).toList();
      assertThat(finals).as("the final, answered 2xx at once").hasSize(1);
      JsonNode finalBody = finals.get(0).json();
      assertThat(finalBody.path("version").asLong())
          .isEqualTo(finalVersion)
          .isGreaterThan(
              received.stream()
                  .filter(r -> !r.isFinal())
                  .mapToLong(HoldingDriver.Received::version)
                  .max()
                  .orElseThrow());
      assertThat(finalBody.path("status").asString()).isEqualTo("completed");
      assertThat(finalBody.path("outcome")).isEqualTo(lastOutcome);
      assertThat(forum.pollStatus(topic.postId)).isEqualTo("closed");

      String summary =
          "LIVE CALLBACK CRASH SUMMARY: requests="
              + received.size()
              + " accepted_updates="
              + acceptedUpdates
              + " final_version="
              + finalVersion
              + " kills=1 elapsed_s="
              + Math.round(elapsedSeconds());
      note(summary);
      passed = true;
    } finally {
      if (!passed && app != null) {
        System.out.println("---- last lines of " + app.log() + " ----\n" + app.logTail(80));
      }
      children.forEach(ChildJvm::killQuietly);
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  /** The poll now shows these votes, and Discourse says so with a signed webhook. */
  private void votes(FakeDiscourse forum, FakeDiscourse.Topic topic, long yes, long no)
      throws Exception {
    forum.setVotes(topic.postId, "Yes", yes);
    forum.setVotes(topic.postId, "No", no);
    String body =
        """
        {"post": {"id": %d, "topic_id": %d, "post_number": 1, "username": "alice", "raw": "Votes %d to %d.", "post_type": 1}}
        """
            .formatted(topic.postId, topic.id, yes, no);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String signature =
        "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + appPort + "/api/hooks/" + COMMUNITY + "/discourse"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Discourse-Event-Id", Integer.toString(eventIds.incrementAndGet()))
                .header("X-Discourse-Event-Type", "post")
                .header("X-Discourse-Event", "post_edited")
                .header("X-Discourse-Event-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(FakeDiscourse.JSON.readTree(answer.body()).path("processes").asInt())
        .as(answer.body())
        .isEqualTo(1);
  }

  private void awaitVersion(String location, long version) {
    await("record version " + version)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> record(location).path("version").asLong() >= version);
    assertThat(record(location).path("version").asLong())
        .as("one change, one version")
        .isEqualTo(version);
  }

  private JsonNode record(String location) {
    try {
      HttpResponse<String> response = send("GET", location, null);
      return response.statusCode() == 200
          ? FakeDiscourse.JSON.readTree(response.body())
          : FakeDiscourse.JSON.readTree("{}");
    } catch (IOException e) {
      return FakeDiscourse.JSON.readTree("{}");
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
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  /** Standard Webhooks: {@code v1,} and the base64 HMAC-SHA256 of {@code id.timestamp.body}. */
  private static String standardWebhookSignature(String webhookId, String timestamp, String body)
      throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SIGNING_KEY, "HmacSHA256"));
    return "v1,"
        + Base64.getEncoder()
            .encodeToString(
                mac.doFinal(
                    (webhookId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8)));
  }

  private void startApp(ChildJvm app) throws Exception {
    crashApp.start(app);
    note("app run (pid " + app.pid() + ") ready");
  }

  private void note(String line) {
    System.out.println(String.format("[live-crash-it t+%6.1fs] %s", elapsedSeconds(), line));
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - started) / 1e9;
  }

  /**
   * A Driver's callback receiver on loopback that can hold its answers: a request whose version the
   * hold predicate matches waits until {@link #releaseHeld} and is then answered 503; every other
   * request is answered 200. Each request is recorded with when it arrived and when it was
   * answered, on one clock of sequence numbers.
   */
  static final class HoldingDriver implements AutoCloseable {

    /**
     * One request as received, with the status it was answered and its place in the order of
     * arrivals and answers.
     */
    record Received(
        long arrivedAt,
        long answeredAt,
        String webhookId,
        String timestamp,
        String signature,
        String body,
        int status) {

      JsonNode json() {
        return FakeDiscourse.JSON.readTree(body);
      }

      long version() {
        return json().path("version").asLong();
      }

      boolean isFinal() {
        return json().path("final").asBoolean();
      }

      boolean accepted() {
        return status >= 200 && status < 300;
      }

      String describe() {
        return (isFinal() ? "final " : "update ") + version() + " -> " + status;
      }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicLong clock = new AtomicLong();
    private final List<Received> received = new ArrayList<>();
    private final List<Long> held = new ArrayList<>();
    private volatile LongPredicate hold = version -> false;
    private volatile CountDownLatch release = new CountDownLatch(1);

    HoldingDriver() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
      server.setExecutor(threads);
      server.createContext("/callback", this::handle);
      server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
      long arrived = clock.incrementAndGet();
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      JsonNode json = FakeDiscourse.JSON.readTree(body);
      long version = json.path("version").asLong();
      int status = 200;
      if (!json.path("final").asBoolean() && hold.test(version)) {
        CountDownLatch waitFor = release;
        synchronized (this) {
          held.add(version);
        }
        try {
          waitFor.await(150, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        synchronized (this) {
          held.remove(Long.valueOf(version));
        }
        status = 503;
      }
      synchronized (this) {
        // Recorded before answering, so a test that saw the answer's effect also sees the request.
        received.add(
            new Received(
                arrived,
                clock.incrementAndGet(),
                exchange.getRequestHeaders().getFirst("webhook-id"),
                exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                exchange.getRequestHeaders().getFirst("webhook-signature"),
                body,
                status));
      }
      try {
        exchange.sendResponseHeaders(status, -1);
      } catch (IOException senderGone) {
        // The application was killed while this answer was held.
      }
      exchange.close();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/callback";
    }

    void hold(LongPredicate versions) {
      hold = versions;
    }

    synchronized List<Long> heldVersions() {
      return List.copyOf(held);
    }

    /** Lets every held request be answered (503) and recorded. */
    void releaseHeld() {
      CountDownLatch current = release;
      release = new CountDownLatch(1);
      current.countDown();
      await("held answers recorded")
          .atMost(Duration.ofSeconds(10))
          .until(() -> heldVersions().isEmpty());
    }

    synchronized List<Received> received() {
      List<Received> copy = new ArrayList<>(received);
      copy.sort(Comparator.comparingLong(Received::arrivedAt));
      return copy;
    }

    synchronized boolean acceptedUpdate(long version) {
      return received.stream()
          .anyMatch(r -> r.accepted() && !r.isFinal() && r.version() == version);
    }

    @Override
    public void close() {
      release.countDown();
      server.stop(0);
      threads.shutdownNow();
    }
  }
}

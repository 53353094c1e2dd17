package org.metagov.api.crash;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SIGTERM ends the instance within {@link #BOUND} even when a dependency is unreachable. The
 * packaged application runs as a child JVM (as in {@link ProcessCrashIT}) against a standalone
 * Temporal test server and a PostgreSQL that belong to this test. "Unreachable" is the hard kind:
 * the server is frozen with SIGSTOP, so connections are neither answered nor refused, as behind a
 * network partition.
 *
 * <p>First run: a poll creation is in flight (the fake Discourse holds back its answer for
 * minutes), the Temporal server is frozen, and process starts arrive that wait on it; then SIGTERM.
 * Second run, Temporal thawed: again a poll creation in flight, PostgreSQL is frozen, and requests
 * arrive that wait on it; then SIGTERM. The activities cut off are left to their retries on another
 * instance.
 */
class BoundedShutdownCrashIT {

  /** The bound the README promises. */
  private static final Duration BOUND = Duration.ofSeconds(30);

  private static final String API_KEY = "shutdown-test-api-key";
  private static final String COMMUNITY = "shutdown-test";
  private static final int WAITING_REQUESTS = 4;
  private static final Pattern HIKARI_BUSY =
      Pattern.compile(
          "^hikaricp_connections_(?:active|pending)\\{[^}]*} ([0-9.]+)$", Pattern.MULTILINE);

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
  private int polls;

  @Test
  @Timeout(value = 400, unit = TimeUnit.SECONDS)
  void sigtermEndsTheInstanceWithinTheBoundWhenTemporalOrPostgresqlIsUnreachable()
      throws Exception {
    Path workDir = CrashApp.workDir("shutdown");

    EmbeddedPostgres postgres = null;
    FakeDiscourse discourse = null;
    List<ChildJvm> children = new ArrayList<>();
    List<Long> frozen = new ArrayList<>();
    Thread cleanUpOnExit =
        new Thread(
            () -> {
              thaw(frozen);
              children.forEach(ChildJvm::killQuietly);
            });
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    try {
      int temporalPort = ChildJvm.freePort();
      String classpath =
          System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      ChildJvm temporal =
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
      // Every poll creation stays in flight for longer than the test: an activity blocked in a
      // platform call.
      discourse.delayCreates(300_000);
      CrashApp.awaitPort(temporal, temporalPort, Duration.ofSeconds(60));

      crashApp = new CrashApp(temporalPort, postgres, 5);
      appPort = crashApp.port;
      managementPort = crashApp.managementPort;
      ChildJvm app = crashApp.jvm("app", workDir);
      children.add(app);

      // --- Temporal unreachable
      // ---------------------------------------------------------------------------
      startApp(app);
      HttpResponse<String> community =
          send(
              "PUT",
              "/api/internal/community/" + COMMUNITY,
              """
          {"name": "%s", "readable_name": "Shutdown test", "plugins": [{"name": "randomness", "config": {}},
            {"name": "discourse", "config": {"server_url": "%s", "api_key": "%s", "webhook_secret": "s3cret"}}]}
          """
                  .formatted(COMMUNITY, discourse.baseUrl(), API_KEY));
      assertThat(community.statusCode()).as(community.body()).isEqualTo(201);
      FakeDiscourse forum = discourse;
      startPollAndAwaitItsCreation(() -> forum.createRequests() >= 1);
      freeze(List.of(temporal.pid()), frozen);
      note("froze the Temporal server (pid " + temporal.pid() + ") with a poll creation in flight");
      long before = processCount(postgres);
      startVotesInBackground();
      EmbeddedPostgres database = postgres;
      await(
          "process starts accepted and waiting on Temporal",
          () -> processCount(database) >= before + WAITING_REQUESTS);
      assertTerminatesWithinBound(
          app, "Temporal unreachable, " + WAITING_REQUESTS + " process starts waiting on it");
      thaw(frozen);

      // --- PostgreSQL unreachable
      // -------------------------------------------------------------------------
      startApp(app);
      startPollAndAwaitItsCreation(() -> forum.createRequests() >= 2);
      freeze(postgresProcesses(postgres), frozen);
      note("froze PostgreSQL with a poll creation in flight");
      startVotesInBackground();
      await(
          "requests holding or waiting for a database connection",
          () -> busyConnections() >= WAITING_REQUESTS);
      assertTerminatesWithinBound(
          app, "PostgreSQL unreachable, " + WAITING_REQUESTS + " requests waiting on it");
    } finally {
      thaw(frozen);
      children.forEach(ChildJvm::killQuietly);
      if (discourse != null) {
        discourse.close();
      }
      if (postgres != null) {
        postgres.close();
      }
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
    }
  }

  private void assertTerminatesWithinBound(ChildJvm app, String situation)
      throws InterruptedException {
    long pid = app.pid();
    Duration took = app.terminate(BOUND);
    if (took == null) {
      String threads = app.threadDump();
      app.kill();
      throw new AssertionError(
          "SIGTERM with "
              + situation
              + ": the application (pid "
              + pid
              + ") was still running "
              + BOUND.toSeconds()
              + " s later. Its threads:\n"
              + threads
              + "\n---- last lines of "
              + app.log()
              + " ----\n"
              + app.logTail(60));
    }
    note("SIGTERM with " + situation + ": the application exited after " + took.toMillis() + " ms");
  }

  /**
   * Vote starts whose answers nobody waits for: they only have to be in flight when SIGTERM comes.
   */
  private void startVotesInBackground() {
    for (int i = 0; i < WAITING_REQUESTS; i++) {
      HTTP.sendAsync(
          request(
              "POST",
              "/api/internal/process/randomness.delayed-stochastic-vote",
              "{\"options\": [\"red\", \"blue\"], \"delay\": 1}"),
          HttpResponse.BodyHandlers.discarding());
    }
  }

  private void startPollAndAwaitItsCreation(BooleanSupplier creationArrived) throws Exception {
    polls++;
    HttpResponse<String> response =
        send(
            "POST",
            "/api/internal/process/discourse.poll",
            """
        {"title": "Shutdown test poll number %d", "options": ["Yes", "No"], "details": "Please vote.",
         "closing_at": "2099-01-01T00:00:00Z"}
        """
                .formatted(polls));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    await("the creation of poll " + polls + " on the fake Discourse", creationArrived);
    note("poll " + polls + " is being created on the fake Discourse (its answer held back)");
  }

  /**
   * Connections the application's pool has lent out or is waiting for, from its Prometheus metrics.
   */
  private double busyConnections() {
    try {
      HttpRequest scrape =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + managementPort + "/actuator/prometheus"))
              .timeout(Duration.ofSeconds(10))
              .header("Accept", "text/plain")
              .build();
      HttpResponse<String> metrics =
          HTTP.send(scrape, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      double busy = 0;
      Matcher m = HIKARI_BUSY.matcher(metrics.body());
      while (m.find()) {
        busy += Double.parseDouble(m.group(1));
      }
      return busy;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static long processCount(EmbeddedPostgres postgres) {
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("select count(*) from process")) {
      rows.next();
      return rows.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The postmaster this test started (its pid is the first line of postmaster.pid) and its
   * backends.
   */
  private static List<Long> postgresProcesses(EmbeddedPostgres postgres) throws Exception {
    String dataDirectory;
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("show data_directory")) {
      rows.next();
      dataDirectory = rows.getString(1);
    }
    long postmaster =
        Long.parseLong(Files.readAllLines(Path.of(dataDirectory, "postmaster.pid")).get(0).strip());
    List<Long> pids = new ArrayList<>();
    pids.add(postmaster);
    ProcessHandle.of(postmaster)
        .orElseThrow()
        .descendants()
        .forEach(child -> pids.add(child.pid()));
    return pids;
  }

  private static void freeze(List<Long> pids, List<Long> frozen) throws Exception {
    for (long pid : pids) {
      try {
        signal("-STOP", pid);
      } catch (IllegalStateException e) {
        // A backend of a connection that closed since the list was taken needs no freezing;
        // anything else does.
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          throw e;
        }
        continue;
      }
      frozen.add(pid);
    }
  }

  private static void thaw(List<Long> frozen) {
    for (long pid : List.copyOf(frozen)) {
      try {
        signal("-CONT", pid);
      } catch (Exception e) {
        // clean-up: best effort
      }
      frozen.remove(pid);
    }
  }

  private static void signal(String signal, long pid) throws IOException, InterruptedException {
    Process kill =
        new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException(
          "kill "
              + signal
              + " "
              + pid
              + " failed: "
              + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private void startApp(ChildJvm app) throws Exception {
    crashApp.start(app);
    note("app run (pid " + app.pid() + ", log " + app.log().getFileName() + ") ready");
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 60 s: " + what);
      }
      Thread.sleep(100);
    }
  }

  private HttpRequest request(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + appPort + path))
            .timeout(Duration.ofSeconds(120))
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
    return request.build();
  }

  private HttpResponse<String> send(String method, String path, String body)
      throws IOException, InterruptedException {
    return HTTP.send(
        request(method, path, body), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void note(String line) {
    System.out.println(
        String.format("[shutdown-it t+%6.1fs] %s", (System.nanoTime() - started) / 1e9, line));
  }
}

package org.metagov.api.crash;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the crash tests share: the packaged application as a child JVM against the test's own
 * Temporal and PostgreSQL, on loopback ports, and the waits for its readiness and for the Temporal
 * server's port.
 */
final class CrashApp {

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /**
   * A crash test's own folder under {@code crash.work-dir} for its logs and figures, emptied of an
   * earlier run's; crash tests run side by side, so none shares a folder.
   */
  static Path workDir(String test) throws IOException {
    Path dir = Path.of(System.getProperty("crash.work-dir", "target/crash-it")).resolve(test);
    java.nio.file.Files.createDirectories(dir);
    try (var old = java.nio.file.Files.newDirectoryStream(dir, "*.{log,txt}")) {
      for (Path file : old) {
        java.nio.file.Files.delete(file);
      }
    }
    return dir;
  }

  final int port;
  final int managementPort;
  final Map<String, String> environment = new LinkedHashMap<>();

  /**
   * The application's environment against a Temporal on {@code temporalPort} and {@code postgres}:
   * its own ports, a fixed secret key (from {@code keySeed}, the same on every restart, so
   * encrypted histories and secrets survive), loopback outbound calls allowed (the fakes live
   * there). Tests add their own settings.
   */
  CrashApp(int temporalPort, EmbeddedPostgres postgres, int keySeed) throws IOException {
    port = ChildJvm.freePort();
    managementPort = ChildJvm.freePort();
    byte[] key = new byte[32];
    for (int i = 0; i < key.length; i++) {
      key[i] = (byte) (i * keySeed + 1);
    }
    environment.put("PORT", Integer.toString(port));
    environment.put("MANAGEMENT_PORT", Integer.toString(managementPort));
    environment.put("TEMPORAL_ADDRESS", "127.0.0.1:" + temporalPort);
    environment.put(
        "SPRING_DATASOURCE_URL", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres");
    environment.put("SPRING_DATASOURCE_USERNAME", "postgres");
    environment.put("SPRING_DATASOURCE_PASSWORD", "postgres");
    environment.put("METAGOV_SECRET_KEY", Base64.getEncoder().encodeToString(key));
    environment.put("DELIVERY_DENY_PRIVATE_NETWORKS", "false");
  }

  /**
   * The child JVM running {@code jar}. The sticky schedule-to-start timeout is zero: the Java test
   * server does not expire work left on a dead worker's sticky queue (DESIGN.md §6).
   */
  ChildJvm jvm(String name, Path jar, Path logDir) {
    return new ChildJvm(
        name,
        List.of(
            "-Xmx512m",
            "-XX:TieredStopAtLevel=1",
            "-jar",
            jar.toString(),
            "--metagov.temporal.sticky-schedule-to-start-timeout=0s",
            "--server.address=127.0.0.1",
            "--management.server.address=127.0.0.1"),
        environment,
        logDir);
  }

  /**
   * Starts a run of the application and waits until its readiness probe (on the management port) is
   * UP.
   */
  void start(ChildJvm app) throws Exception {
    app.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (true) {
      if (!app.alive()) {
        throw new AssertionError(
            "the application exited during start-up; " + app.log() + ":\n" + app.logTail(60));
      }
      try {
        HttpResponse<String> health =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + managementPort + "/actuator/health/readiness"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (health.statusCode() == 200 && health.body().contains("\"UP\"")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "the application was not ready within 120 s; " + app.log() + ":\n" + app.logTail(60));
      }
      Thread.sleep(250);
    }
  }

  /** Waits until the standalone Temporal test server listens on {@code port}. */
  static void awaitPort(ChildJvm process, int port, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.alive() || System.nanoTime() > deadline) {
          throw new AssertionError(
              "the Temporal test server did not listen on " + port + ":\n" + process.logTail(40));
        }
        Thread.sleep(100);
      }
    }
  }
}

package org.metagov.api.crash;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    Files.createDirectories(dir);
    try (var old = Files.newDirectoryStream(dir, "*.{log,txt}")) {
      for (Path file : old) {
        Files.delete(file);
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
   * A child JVM running the packaged application ({@link Launch#prepared()}). The sticky
   * schedule-to-start timeout is zero: the Java test server does not expire work left on a dead
   * worker's sticky queue (DESIGN.md §6).
   */
  ChildJvm jvm(String name, Path logDir) throws IOException, InterruptedException {
    Launch launch = Launch.prepared();
    List<String> arguments = new ArrayList<>(JVM_OPTIONS);
    launch.archive().ifPresent(archive -> arguments.add("-XX:SharedArchiveFile=" + archive));
    arguments.addAll(
        List.of(
            "-jar",
            launch.jar().toString(),
            "--metagov.temporal.sticky-schedule-to-start-timeout=0s",
            "--server.address=127.0.0.1",
            "--management.server.address=127.0.0.1"));
    return new ChildJvm(name, arguments, environment, logDir);
  }

  private static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:TieredStopAtLevel=1");

  /**
   * The packaged application laid out for a fast start, shared by every crash test of a build: the
   * jar extracted (Spring Boot's {@code -Djarmode=tools extract}, no nested jars to open) and a
   * class-data-sharing archive written by one training run that exits once the context is
   * refreshed, as Spring Boot documents for start-up time. An application run then starts in about
   * 5 s instead of 11 s on a quiet two-core machine, and about 2.5 times faster under the tests'
   * load; the crash tests start it 15 times. The layout lives in a folder named after the jar's
   * size and time, written once under a file lock (the crash tests run in two JVMs side by side)
   * and never changed afterwards, so a rebuild of {@code target/metagov.jar} while an application
   * runs cannot pull classes from under it. If the training run fails, runs start without the
   * archive, only slower.
   */
  record Launch(Path jar, Optional<Path> archive) {

    private static Launch prepared;

    static synchronized Launch prepared() throws IOException, InterruptedException {
      if (prepared == null) {
        prepared = prepare();
      }
      return prepared;
    }

    private static Launch prepare() throws IOException, InterruptedException {
      Path packaged = Path.of(System.getProperty("metagov.jar", "target/metagov.jar"));
      if (!Files.exists(packaged)) {
        throw new AssertionError(
            "the packaged application "
                + packaged
                + " is missing (the crash tests run after package)");
      }
      Path root = Path.of(System.getProperty("crash.work-dir", "target/crash-it"));
      Files.createDirectories(root);
      Path dir =
          root.resolve(
              "launch-"
                  + Files.size(packaged)
                  + "-"
                  + Files.getLastModifiedTime(packaged).toMillis());
      Path jar = dir.resolve("app").resolve(packaged.getFileName());
      Path archive = dir.resolve("app.jsa");
      Path done = dir.resolve("done");
      try (FileChannel lockFile =
              FileChannel.open(
                  root.resolve("launch.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = lockFile.lock()) {
        if (!Files.exists(done)) {
          Files.createDirectories(dir);
          run(
              dir,
              "extract",
              List.of(
                  "-Djarmode=tools",
                  "-jar",
                  packaged.toAbsolutePath().toString(),
                  "extract",
                  "--force",
                  "--destination",
                  dir.resolve("app").toString()),
              Map.of());
          List<String> training = new ArrayList<>(JVM_OPTIONS);
          training.addAll(
              List.of(
                  "-XX:ArchiveClassesAtExit=" + archive,
                  "-Dspring.context.exit=onRefresh",
                  "-jar",
                  jar.toString(),
                  "--server.address=127.0.0.1",
                  "--management.server.address=127.0.0.1"));
          // The embedded defaults: PostgreSQL and Temporal in the process, nothing outside
          // loopback.
          if (!run(dir, "training", training, Map.of("PORT", "0", "MANAGEMENT_PORT", "0"))) {
            Files.deleteIfExists(archive);
          }
          Files.writeString(done, "");
        }
      }
      if (!Files.exists(jar)) {
        throw new AssertionError("extracting " + packaged + " failed; see " + dir);
      }
      Optional<Path> usable = Files.exists(archive) ? Optional.of(archive) : Optional.empty();
      if (usable.isEmpty()) {
        System.out.println(
            "[crash-it] no class-data-sharing archive (see " + dir + "); runs start slower");
      }
      return new Launch(jar, usable);
    }

    /** Runs a JVM to its end within three minutes; true if it exited with 0. */
    private static boolean run(
        Path dir, String name, List<String> arguments, Map<String, String> environment)
        throws IOException, InterruptedException {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(arguments);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve(name + ".log").toFile());
      for (String inherited : List.copyOf(builder.environment().keySet())) {
        if (inherited.startsWith("TEMPORAL_")
            || inherited.startsWith("SPRING_")
            || inherited.startsWith("DRIVER_")
            || inherited.startsWith("METAGOV_")) {
          builder.environment().remove(inherited);
        }
      }
      builder.environment().putAll(environment);
      Process process = builder.start();
      if (!process.waitFor(3, TimeUnit.MINUTES)) {
        process.destroyForcibly().waitFor();
        return false;
      }
      return process.exitValue() == 0;
    }
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

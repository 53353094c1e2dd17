package org.metagov.api.crash;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM started as a direct child of the test ({@code <java.home>/bin/java ...}, no shell or
 * wrapper in between), its output in a log file, so that {@link #kill()} (SIGKILL on Linux) hits
 * the JVM itself.
 */
public final class ChildJvm {

  private final String name;
  private final List<String> command;
  private final Map<String, String> environment;
  private final Path logDir;
  private Process process;
  private Path log;
  private int runs;

  public ChildJvm(
      String name, List<String> jvmArguments, Map<String, String> environment, Path logDir) {
    this.name = name;
    this.command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArguments);
    this.environment = Map.copyOf(environment);
    this.logDir = logDir;
  }

  /** Starts a new run (same command, same environment), logging to {@code <name>-<run>.log}. */
  public synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    runs++;
    log = logDir.resolve(name + "-" + runs + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(environment);
    process = builder.start();
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  public synchronized long pid() {
    return process.pid();
  }

  synchronized Path log() {
    return log;
  }

  /** SIGKILL: no shutdown hook, no graceful stop; returns once the process is gone. */
  synchronized void kill() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL");
    }
  }

  /**
   * SIGTERM (the JVM runs its shutdown hooks, Spring stops gracefully): returns how long the
   * process took to exit, or {@code null} if it was still running after {@code wait}.
   */
  synchronized Duration terminate(Duration wait) throws InterruptedException {
    long sent = System.nanoTime();
    process.destroy();
    if (!process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
      return null;
    }
    return Duration.ofNanos(System.nanoTime() - sent);
  }

  /** The threads of the running process ({@code jstack}), for a failure message. */
  String threadDump() {
    try {
      Process jstack =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                  Long.toString(pid()))
              .redirectErrorStream(true)
              .start();
      byte[] out = jstack.getInputStream().readAllBytes();
      jstack.waitFor(30, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "jstack failed: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "jstack interrupted";
    }
  }

  /** Kills whatever runs, swallowing errors: for clean-up paths. */
  public void killQuietly() {
    try {
      kill();
    } catch (RuntimeException | InterruptedException e) {
      // clean-up: best effort
    }
  }

  String logText() {
    try {
      Path current = log();
      return current == null ? "" : Files.readString(current, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  public String logTail(int lines) {
    String[] all = logText().split("\n");
    int from = Math.max(0, all.length - lines);
    return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
  }

  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}

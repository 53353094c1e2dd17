package org.metagov.api.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * CPU time spent so far by this JVM (the application, its worker, the peers and, outside the scale
 * run, the Temporal test server), by a Temporal test server in its own JVM, and by every PostgreSQL
 * process on the machine, so a batch of work can be priced in CPU milliseconds. On two cores
 * throughput is bounded by this price, which is why the benchmark prints it beside the rates.
 */
record CpuUse(long jvmNanos, long serverNanos, long postgresNanos) {

  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

  static CpuUse now() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    long jvm =
        os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    return new CpuUse(
        jvm,
        ticks(process -> commandLine(process).contains("LoopbackTemporalTestServer"))
            * NANOS_PER_TICK,
        ticks(process -> command(process).startsWith("postgres")) * NANOS_PER_TICK);
  }

  static final CpuUse NONE = new CpuUse(0, 0, 0);

  /** This CPU and {@code other}'s together. */
  CpuUse plus(CpuUse other) {
    return new CpuUse(
        jvmNanos + other.jvmNanos,
        serverNanos + other.serverNanos,
        postgresNanos + other.postgresNanos);
  }

  /** The CPU spent between {@code before} and this snapshot. */
  CpuUse since(CpuUse before) {
    return new CpuUse(
        jvmNanos - before.jvmNanos,
        serverNanos - before.serverNanos,
        postgresNanos - before.postgresNanos);
  }

  /** CPU milliseconds per unit of work, every kind together. */
  double millisPer(int units) {
    return (jvmNanos + serverNanos + postgresNanos) / 1e6 / units;
  }

  /** CPU milliseconds per unit of work, and how they split, as text. */
  String perUnit(int units) {
    String server =
        serverNanos == 0
            ? ""
            : String.format(Locale.ROOT, ", Temporal server %.1f", serverNanos / 1e6 / units);
    return String.format(
        Locale.ROOT,
        "%.1f ms (this JVM %.1f%s, PostgreSQL %.1f)",
        millisPer(units),
        jvmNanos / 1e6 / units,
        server,
        postgresNanos / 1e6 / units);
  }

  private static long ticks(Predicate<Path> which) {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      return processes
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(which)
          .mapToLong(CpuUse::ticks)
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String command(Path process) {
    try {
      String stat = Files.readString(process.resolve("stat"));
      return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String commandLine(Path process) {
    try {
      return Files.readString(process.resolve("cmdline"));
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static long ticks(Path process) {
    try {
      String stat = Files.readString(process.resolve("stat"));
      // Fields after the command: state is field 3, utime 14 and stime 15 (1-based).
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}

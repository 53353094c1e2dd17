package org.metagov.api.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * CPU time spent so far by this JVM (which runs the application, its worker, the peers and, outside
 * the scale run, the Temporal test server) and by every PostgreSQL process on the machine, so a
 * batch of work can be priced in CPU milliseconds. On two cores throughput is bounded by this
 * price, which is why the benchmark prints it beside the rates.
 */
record CpuUse(long jvmNanos, long postgresNanos) {

  private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

  static CpuUse now() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    long jvm =
        os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    return new CpuUse(jvm, postgresTicks() * NANOS_PER_TICK);
  }

  /** The CPU spent between {@code before} and this snapshot. */
  CpuUse since(CpuUse before) {
    return new CpuUse(jvmNanos - before.jvmNanos, postgresNanos - before.postgresNanos);
  }

  /** CPU milliseconds per unit of work, both kinds together. */
  double millisPer(int units) {
    return (jvmNanos + postgresNanos) / 1e6 / units;
  }

  /** CPU milliseconds per unit of work, and how they split, as text. */
  String perUnit(int units) {
    return String.format(
        Locale.ROOT,
        "%.1f ms (JVM %.1f, PostgreSQL %.1f)",
        millisPer(units),
        jvmNanos / 1e6 / units,
        postgresNanos / 1e6 / units);
  }

  private static long postgresTicks() {
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      return processes
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .mapToLong(CpuUse::postgresTicks)
          .sum();
    } catch (IOException e) {
      return 0;
    }
  }

  private static long postgresTicks(Path process) {
    try {
      String stat = Files.readString(process.resolve("stat"));
      int close = stat.lastIndexOf(')');
      String name = stat.substring(stat.indexOf('(') + 1, close);
      if (!name.startsWith("postgres")) {
        return 0;
      }
      // Fields after the command: state is field 3, utime 14 and stime 15 (1-based).
      String[] fields = stat.substring(close + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }
}

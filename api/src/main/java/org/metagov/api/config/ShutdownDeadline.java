package org.metagov.api.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationListener;

/**
 * Ends the process {@link ShutdownProperties#deadline()} after it was asked to stop, even if the
 * graceful stop is still waiting. Each step of Spring's stop has a timeout of its own (requests in
 * flight, then Tomcat's threads, then the connection pool, which waits 30 s for a connection
 * attempt to an unreachable PostgreSQL and more for the connections in use; Spring Boot's shutdown
 * hook itself waits up to ten minutes for a context that does not close), and nothing bounds their
 * sum: with PostgreSQL unreachable a stop took over a minute, holding the port all along. Nothing
 * durable is lost by stopping short: accepted work is in PostgreSQL or Temporal, and an activity
 * that was cut off runs again on another instance after its timeout.
 *
 * <p>Installed by {@code main} only, as soon as the environment is known (so a SIGTERM during
 * start-up is covered too): tests that start Spring contexts in a shared JVM must not have it
 * halted under them.
 */
public final class ShutdownDeadline
    implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

  /**
   * The status a JVM ended by SIGTERM reports (128 + 15), so that a halted stop looks like any
   * other.
   */
  static final int SIGTERM_EXIT_STATUS = 143;

  private static final Logger log = LoggerFactory.getLogger(ShutdownDeadline.class);

  @Override
  public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
    Duration deadline =
        Binder.get(event.getEnvironment())
            .bindOrCreate("metagov.shutdown", ShutdownProperties.class)
            .deadline();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> arm(deadline), "shutdown-deadline"));
  }

  /**
   * Starts the countdown and returns at once: the JVM waits for every shutdown hook, so the hook
   * itself must not be the one that waits. The countdown thread is a daemon, gone as soon as the
   * graceful stop ends.
   */
  private static void arm(Duration deadline) {
    Thread halter =
        new Thread(
            () -> {
              try {
                Thread.sleep(deadline.toMillis());
              } catch (InterruptedException e) {
                return;
              }
              log.warn(
                  "The graceful stop did not end within {} ms (SHUTDOWN_DEADLINE); halting the process. Still stopping:\n{}",
                  deadline.toMillis(),
                  stoppingThreads());
              Runtime.getRuntime().halt(SIGTERM_EXIT_STATUS);
            },
            "shutdown-deadline-halter");
    halter.setDaemon(true);
    halter.start();
  }

  /** Where the shutdown hooks wait, for the operator who reads why the stop was cut short. */
  private static String stoppingThreads() {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(e -> e.getKey().getName().contains("ShutdownHook"))
        .map(ShutdownDeadline::describe)
        .collect(Collectors.joining("\n"));
  }

  private static String describe(Map.Entry<Thread, StackTraceElement[]> thread) {
    return "\""
        + thread.getKey().getName()
        + "\" "
        + thread.getKey().getState()
        + Arrays.stream(thread.getValue())
            .limit(40)
            .map(frame -> "\n\tat " + frame)
            .collect(Collectors.joining());
  }
}

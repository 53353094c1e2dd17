package org.metagov.api.process;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Starts the workflows of processes that were accepted (committed to PostgreSQL) but whose instance
 * died before it could start them. Every replica runs it; starting is idempotent by workflow id.
 */
@Component
public class UnstartedProcessSweeper {

  private static final Logger log = LoggerFactory.getLogger(UnstartedProcessSweeper.class);

  private final ProcessService processes;
  private final Duration grace;

  public UnstartedProcessSweeper(ProcessService processes, ProcessProperties properties) {
    this.processes = processes;
    this.grace = properties.unstartedGrace();
  }

  @Scheduled(
      fixedDelayString = "${metagov.processes.sweep-interval:30s}",
      initialDelayString = "${metagov.processes.sweep-interval:30s}")
  public void sweep() {
    try {
      int started = processes.startUnstarted(grace);
      if (started > 0) {
        log.warn(
            "Started the workflows of {} accepted process(es) whose start had been interrupted.",
            started);
      }
    } catch (RuntimeException e) {
      log.warn("Could not sweep unstarted processes; will try again: {}", e.toString());
    }
  }
}

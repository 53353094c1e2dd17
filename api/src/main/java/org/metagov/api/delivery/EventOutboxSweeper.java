package org.metagov.api.delivery;

import java.time.Duration;
import org.metagov.api.process.ProcessProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Wakes event outboxes whose wake-up was requested but not taken up within the grace period: the
 * signal after the commit failed (Temporal down) or the instance died in between. Waking is
 * idempotent, so every replica may run it.
 */
@Component
public class EventOutboxSweeper {

  private static final Logger log = LoggerFactory.getLogger(EventOutboxSweeper.class);

  private final EventOutboxRepository repository;
  private final EventOutbox outbox;
  private final Duration grace;

  public EventOutboxSweeper(
      EventOutboxRepository repository, EventOutbox outbox, ProcessProperties processes) {
    this.repository = repository;
    this.outbox = outbox;
    this.grace = processes.unstartedGrace();
  }

  @Scheduled(
      fixedDelayString = "${metagov.processes.sweep-interval:30s}",
      initialDelayString = "${metagov.processes.sweep-interval:30s}")
  public void sweep() {
    try {
      int woken = 0;
      for (String community : repository.unansweredWakes(grace.toSeconds(), 100)) {
        if (outbox.wake(community)) {
          repository.touchWake(community);
          woken++;
        }
      }
      if (woken > 0) {
        log.info(
            "Woke the event outboxes of {} communit(ies) whose wake-up had not been taken up.",
            woken);
      }
    } catch (RuntimeException e) {
      log.warn("Could not sweep event outboxes; will try again: {}", e.toString());
    }
  }
}

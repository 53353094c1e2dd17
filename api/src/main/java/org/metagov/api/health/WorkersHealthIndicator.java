package org.metagov.api.health;

import io.temporal.worker.WorkerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Down until the Temporal workers poll their task queue: part of readiness, so no traffic reaches
 * an instance that could accept a process but not run it.
 */
@Component("workers")
public class WorkersHealthIndicator implements HealthIndicator {

  private final ObjectProvider<WorkerFactory> factories;

  public WorkersHealthIndicator(ObjectProvider<WorkerFactory> factories) {
    this.factories = factories;
  }

  @Override
  public Health health() {
    WorkerFactory factory = factories.getIfAvailable();
    if (factory == null) {
      return Health.down().withDetail("reason", "no Temporal worker factory").build();
    }
    if (!factory.isStarted() || factory.isShutdown()) {
      return Health.down()
          .withDetail("reason", factory.isShutdown() ? "workers shut down" : "workers not started")
          .build();
    }
    return Health.up().build();
  }
}

package org.metagov.api.health;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Reports whether the Temporal frontend answers. */
@Component("temporal")
public class TemporalHealthIndicator implements HealthIndicator {

  private final WorkflowClient client;

  public TemporalHealthIndicator(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public Health health() {
    try {
      var info =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .withDeadlineAfter(3, TimeUnit.SECONDS)
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      return Health.up()
          .withDetail("namespace", client.getOptions().getNamespace())
          .withDetail("serverVersion", info.getServerVersion())
          .build();
    } catch (RuntimeException e) {
      return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
    }
  }
}

package org.metagov.api.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Health (with the database and the Temporal frontend) and Prometheus metrics are served on the
 * management port only; the API port, which the Driver and the platforms reach, has no actuator
 * endpoint at all.
 */
class HealthTest extends IntegrationTest {

  @Test
  void healthIsUpWithDatabaseAndTemporal() {
    Response response = managementGet("/actuator/health");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode health = response.json();
    assertThat(health.path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("db").path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("db").path("details").path("database").asString())
        .isEqualTo("PostgreSQL");
    assertThat(health.path("components").path("temporal").path("status").asString())
        .isEqualTo("UP");
    assertThat(
            health.path("components").path("temporal").path("details").path("namespace").asString())
        .isEqualTo("default");
  }

  @Test
  void prometheusMetricsAreOnTheManagementPort() {
    Response response = managementGet("/actuator/prometheus");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("text/plain");
    assertThat(response.body()).contains("# TYPE jvm_memory_used_bytes gauge");
  }

  @Test
  void theApiPortServesNoActuatorEndpoint() {
    assertThat(managementPort).isNotEqualTo(port);
    for (String path :
        List.of(
            "/actuator",
            "/actuator/health",
            "/actuator/health/readiness",
            "/actuator/health/db",
            "/actuator/prometheus",
            "/actuator/info")) {
      Response response = get(path);
      assertProblem(response, 404, "not_found");
      assertThat(response.body()).as(path).doesNotContain("PostgreSQL").doesNotContain("jvm_");
    }
  }
}

package org.metagov.api.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** {@code /actuator/health} reports the database and the Temporal frontend. */
class HealthTest extends IntegrationTest {

  @Test
  void healthIsUpWithDatabaseAndTemporal() {
    Response response = get("/actuator/health");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode health = response.json();
    assertThat(health.path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("db").path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("db").path("details").path("database").asString()).isEqualTo("PostgreSQL");
    assertThat(health.path("components").path("temporal").path("status").asString()).isEqualTo("UP");
    assertThat(health.path("components").path("temporal").path("details").path("namespace").asString()).isEqualTo("default");
  }
}

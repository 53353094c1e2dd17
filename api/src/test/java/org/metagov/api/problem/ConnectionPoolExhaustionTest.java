package org.metagov.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * With every PostgreSQL connection of the pool busy, a process start is refused quickly with a 503
 * that says when to retry, and changes nothing; once connections come free, the same start is
 * accepted.
 */
class ConnectionPoolExhaustionTest extends IntegrationTest {

  private static final String VOTE = "/api/internal/process/randomness.delayed-stochastic-vote";

  @Autowired HikariDataSource pool;

  @Test
  void aStartFindingNoFreeConnectionIsAnswered503WithRetryAfterAndStoresNothing()
      throws SQLException {
    String community = uniqueSlug("starved");
    putCommunity(community, "[{\"name\": \"randomness\"}]");
    String body = "{\"options\": [\"a\", \"b\"], \"delay\": 600}";
    assertThat(pool.getConnectionTimeout())
        .as("DB_CONNECTION_TIMEOUT_MS's default")
        .isEqualTo(2000);

    List<Connection> held = new ArrayList<>();
    Response refused;
    long waitedMillis;
    try {
      while (held.size() < pool.getMaximumPoolSize()) {
        held.add(pool.getConnection());
      }
      long began = System.nanoTime();
      refused = send("POST", VOTE, body, COMMUNITY_HEADER, community);
      waitedMillis = (System.nanoTime() - began) / 1_000_000;
    } finally {
      for (Connection connection : held) {
        connection.close();
      }
    }

    JsonNode problem = assertProblem(refused, 503, "server_busy");
    assertThat(problem.path("detail").asString()).contains("nothing was changed");
    assertThat(refused.header("Retry-After")).isEqualTo("1");
    assertThat(waitedMillis)
        .as("refused after the pool's connection timeout, not the pool default of 30 s")
        .isGreaterThanOrEqualTo(pool.getConnectionTimeout())
        .isLessThan(pool.getConnectionTimeout() + 10_000);
    Response listed = send("GET", "/api/internal/process", null, COMMUNITY_HEADER, community);
    assertThat(listed.json().path("processes").size())
        .as("the refused start stored no process")
        .isZero();

    Response accepted = send("POST", VOTE, body, COMMUNITY_HEADER, community);
    assertThat(accepted.status()).isEqualTo(202);
    listed = send("GET", "/api/internal/process", null, COMMUNITY_HEADER, community);
    assertThat(listed.json().path("processes").size()).isEqualTo(1);
    assertThat(listed.json().path("processes").get(0).path("id").asLong())
        .isEqualTo(accepted.json().path("id").asLong());
  }
}

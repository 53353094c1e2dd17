package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;

class EmbeddedTemporalServerTest extends IntegrationTest {

  @Test
  void theApplicationsInProcessServerIsMendedAndHoldsFewLockEvents() throws Exception {
    assertThat(TestServerLockEvents.installed(env)).isTrue();
    String community = uniqueSlug("lock-events");
    putCommunity(community, "[{\"name\": \"randomness\"}]");
    for (int i = 0; i < 5; i++) {
      Response started =
          send(
              "POST",
              "/api/internal/process/randomness.delayed-stochastic-vote",
              "{\"options\": [\"a\", \"b\"], \"delay\": 0}",
              COMMUNITY_HEADER,
              community);
      assertThat(started.status()).as(started.body()).isEqualTo(202);
      String location = started.header("Location");
      await("process " + i + " completed")
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(location).json().path("status").asString().equals("completed"));
    }
    // Without the mending, every activity this shared server ever ran left two events behind.
    TestServerLockEventsTest.awaitHeldEventsBelow(env, 50);
  }
}

package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.metagov.api.testplugins.TeardownProbePlugin;
import org.metagov.api.testplugins.TeardownProbePlugin.Teardown;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A plugin a community disables (by a PUT that drops it, or by deleting the community) is torn down
 * after the commit by its {@code onDisable}, with the config (secrets opened) and state it had,
 * once, and again after a failure until it succeeds.
 */
class PluginTeardownTest extends IntegrationTest {

  private static final String PROBE =
      "{\"name\": \""
          + TeardownProbePlugin.NAME
          + "\", \"config\": {\"token\": \"probe-secret-7Qx\"}}";

  @Autowired private JdbcClient jdbc;

  @Autowired private PluginTeardowns teardowns;

  @Test
  void droppingAPluginTearsItDownOnceWithItsConfigAndState() {
    String slug = uniqueSlug("teardown");
    putCommunity(slug, "[" + PROBE + "]");
    assertThat(TeardownProbePlugin.of(slug)).isEmpty();

    putCommunity(slug, "[]");

    await().atMost(Duration.ofSeconds(20)).until(() -> !TeardownProbePlugin.of(slug).isEmpty());
    assertThat(TeardownProbePlugin.of(slug))
        .containsExactly(new Teardown(slug, "probe-secret-7Qx", "mark-" + slug));
    await().atMost(Duration.ofSeconds(20)).until(() -> pending(slug) == 0);
    teardowns.runDue();
    assertThat(TeardownProbePlugin.of(slug)).hasSize(1);
  }

  @Test
  void aFailedTeardownIsKeptSealedAndTriedAgain() {
    String slug = uniqueSlug("teardown-retry");
    putCommunity(slug, "[" + PROBE + "]");
    TeardownProbePlugin.FAILURES_LEFT.put(slug, new AtomicInteger(1));

    putCommunity(slug, "[]");

    await().atMost(Duration.ofSeconds(20)).until(() -> attempts(slug) == 1);
    assertThat(TeardownProbePlugin.of(slug)).isEmpty();
    String stored =
        jdbc.sql("select config::text from plugin_teardown where community_slug = ?")
            .param(slug)
            .query(String.class)
            .single();
    assertThat(stored)
        .as("the kept config's secret stays sealed")
        .doesNotContain("probe-secret-7Qx");

    jdbc.sql("update plugin_teardown set next_attempt = now() where community_slug = ?")
        .param(slug)
        .update();
    teardowns.runDue();

    assertThat(TeardownProbePlugin.of(slug))
        .containsExactly(new Teardown(slug, "probe-secret-7Qx", "mark-" + slug));
    assertThat(pending(slug)).isZero();
  }

  @Test
  void deletingACommunityTearsDownItsPlugins() {
    String slug = uniqueSlug("teardown-delete");
    putCommunity(slug, "[" + PROBE + "]");

    assertThat(delete("/api/internal/community/" + slug).status()).isIn(200, 204);

    await().atMost(Duration.ofSeconds(20)).until(() -> !TeardownProbePlugin.of(slug).isEmpty());
    assertThat(TeardownProbePlugin.of(slug))
        .containsExactly(new Teardown(slug, "probe-secret-7Qx", "mark-" + slug));
  }

  @Test
  void reconfiguringAPluginTearsNothingDown() {
    String slug = uniqueSlug("teardown-keep");
    putCommunity(slug, "[" + PROBE + "]");
    putCommunity(
        slug,
        "[{\"name\": \""
            + TeardownProbePlugin.NAME
            + "\", \"config\": {\"token\": \"another-secret\"}}]");
    teardowns.runDue();
    assertThat(TeardownProbePlugin.of(slug)).isEmpty();
    assertThat(pending(slug)).isZero();
  }

  private long pending(String slug) {
    return jdbc.sql("select count(*) from plugin_teardown where community_slug = ?")
        .param(slug)
        .query(Long.class)
        .single();
  }

  private int attempts(String slug) {
    return jdbc.sql(
            "select coalesce(max(attempts), 0) from plugin_teardown where community_slug = ?")
        .param(slug)
        .query(Integer.class)
        .single();
  }
}

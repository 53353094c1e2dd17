package org.metagov.api.community;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.PluginState;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.security.SecretCipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs plugins' {@link Plugin#onDisable} after a community disabled them or was deleted: the config
 * and state they had are copied (secrets still sealed) into {@code plugin_teardown} in the
 * transaction that removes them, and torn down after the commit, outside any request, with retries.
 * Every replica sweeps; a row is claimed with {@code skip locked}, so each teardown runs on one
 * replica at a time.
 */
@Component
public class PluginTeardowns {

  private static final Logger log = LoggerFactory.getLogger(PluginTeardowns.class);
  static final int MAX_ATTEMPTS = 8;

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final PluginRegistry registry;
  private final SecretCipher cipher;
  private final PlatformHttp http;
  private final ExecutorService soon =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "plugin-teardown");
            thread.setDaemon(true);
            return thread;
          });

  public PluginTeardowns(
      JdbcClient jdbc,
      TransactionTemplate transaction,
      PluginRegistry registry,
      SecretCipher cipher,
      PlatformHttp http) {
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.registry = registry;
    this.cipher = cipher;
    this.http = http;
  }

  /** Copies the plugins' stored config and state for teardown, inside the caller's transaction. */
  public void queue(String community, List<String> plugins) {
    if (plugins.isEmpty()) {
      return;
    }
    jdbc.sql(
            """
            insert into plugin_teardown (community_slug, plugin_name, config, state)
            select community_slug, plugin_name, config, state from community_plugin
            where community_slug = :community and plugin_name in (:plugins)
            """)
        .param("community", community)
        .param("plugins", plugins)
        .update();
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              soon.execute(PluginTeardowns.this::runDue);
            }
          });
    }
  }

  @Scheduled(
      fixedDelayString = "${metagov.processes.sweep-interval:30s}",
      initialDelayString = "${metagov.processes.sweep-interval:30s}")
  public void sweep() {
    try {
      runDue();
    } catch (RuntimeException e) {
      log.warn("Could not sweep plugin teardowns; will try again: {}", e.toString());
    }
  }

  /** Runs every teardown that is due; returns how many ran (successfully or not). */
  public synchronized int runDue() {
    int ran = 0;
    while (Boolean.TRUE.equals(transaction.execute(status -> runOne()))) {
      ran++;
    }
    return ran;
  }

  private record Due(
      long id,
      String community,
      String plugin,
      ObjectNode config,
      ObjectNode state,
      int attempts) {}

  private boolean runOne() {
    Optional<Due> due =
        jdbc.sql(
                """
            select id, community_slug, plugin_name, config::text, state::text, attempts from plugin_teardown
            where next_attempt <= now() order by id limit 1 for update skip locked
            """)
            .query(
                (rs, i) ->
                    new Due(
                        rs.getLong(1),
                        rs.getString(2),
                        rs.getString(3),
                        (ObjectNode) Json.parse(rs.getString(4)),
                        (ObjectNode) Json.parse(rs.getString(5)),
                        rs.getInt(6)))
            .optional();
    if (due.isEmpty()) {
      return false;
    }
    Due teardown = due.get();
    Plugin plugin = registry.find(teardown.plugin()).orElse(null);
    try {
      if (plugin != null) {
        ObjectNode config =
            cipher.open(
                teardown.community(),
                teardown.plugin(),
                teardown.config(),
                Schemas.secretFields(plugin.configSchema()));
        plugin.onDisable(
            new PluginContext(teardown.community(), config, http, state(teardown.state())));
      }
      jdbc.sql("delete from plugin_teardown where id = ?").param(teardown.id()).update();
    } catch (RuntimeException e) {
      int attempts = teardown.attempts() + 1;
      if (attempts >= MAX_ATTEMPTS) {
        log.warn(
            "Gave up tearing down {} for {} after {} attempts: {}",
            teardown.plugin(),
            teardown.community(),
            attempts,
            e.getMessage());
        jdbc.sql("delete from plugin_teardown where id = ?").param(teardown.id()).update();
      } else {
        Duration backoff = Duration.ofSeconds(Math.min(3600, 5L << attempts));
        log.info(
            "Tearing down {} for {} failed (attempt {}); trying again in {}s: {}",
            teardown.plugin(),
            teardown.community(),
            attempts,
            backoff.toSeconds(),
            e.getMessage());
        jdbc.sql(
                "update plugin_teardown set attempts = ?, next_attempt = now() + ? * interval '1 second' where id = ?")
            .params(attempts, backoff.toSeconds(), teardown.id())
            .update();
      }
    }
    return true;
  }

  /** The state the plugin had, read-only in substance: nothing outlives the teardown. */
  private static PluginState state(ObjectNode stored) {
    return new PluginState() {
      @Override
      public JsonNode get(String key) {
        return stored.get(key);
      }

      @Override
      public void set(String key, JsonNode value) {
        stored.set(key, value);
      }
    };
  }
}

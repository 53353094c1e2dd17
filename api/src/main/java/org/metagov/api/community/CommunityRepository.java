package org.metagov.api.community;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.security.SecretCipher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Communities and their enabled plugins in PostgreSQL. */
@Repository
public class CommunityRepository {

  private final JdbcClient jdbc;
  private final PluginRegistry registry;
  private final SecretCipher cipher;

  public CommunityRepository(JdbcClient jdbc, PluginRegistry registry, SecretCipher cipher) {
    this.jdbc = jdbc;
    this.registry = registry;
    this.cipher = cipher;
  }

  /**
   * The secret field names of a plugin's config (none for a plugin that is no longer installed).
   */
  private Set<String> secrets(String plugin) {
    return registry.find(plugin).map(p -> Schemas.secretFields(p.configSchema())).orElse(Set.of());
  }

  /** A community as stored: secrets in plain form, never to be returned as they are. */
  public record StoredCommunity(String slug, String readableName, List<StoredPlugin> plugins) {
    public Optional<StoredPlugin> plugin(String name) {
      return plugins.stream().filter(p -> p.name().equals(name)).findFirst();
    }
  }

  /**
   * An enabled plugin. Its {@code id} is drawn when the plugin is enabled and kept through
   * reconfigurations; it is null for a plugin not stored yet.
   */
  public record StoredPlugin(String name, ObjectNode config, Long id) {

    public StoredPlugin(String name, ObjectNode config) {
      this(name, config, null);
    }
  }

  /** Where a plugin id belongs: its community and plugin name. */
  public record PluginRef(String community, String plugin) {}

  public Optional<PluginRef> findPlugin(long id) {
    return jdbc.sql("select community_slug, plugin_name from community_plugin where id = ?")
        .param(id)
        .query((rs, i) -> new PluginRef(rs.getString(1), rs.getString(2)))
        .optional();
  }

  public Optional<StoredCommunity> find(String slug) {
    return jdbc.sql("select slug, readable_name from community where slug = ?")
        .param(slug)
        .query((rs, i) -> new StoredCommunity(rs.getString(1), rs.getString(2), plugins(slug)))
        .optional();
  }

  /** Like {@link #find} but locks the community row until the transaction ends. */
  public Optional<StoredCommunity> lock(String slug) {
    return jdbc.sql("select slug, readable_name from community where slug = ? for update")
        .param(slug)
        .query((rs, i) -> new StoredCommunity(rs.getString(1), rs.getString(2), plugins(slug)))
        .optional();
  }

  /**
   * Like {@link #find} but holds the community row with a shared lock until the transaction ends:
   * it can be neither deleted nor {@link #lock locked} for a change meanwhile, while other shared
   * lockers go on.
   */
  public Optional<StoredCommunity> lockShared(String slug) {
    return jdbc.sql("select slug, readable_name from community where slug = ? for share")
        .param(slug)
        .query((rs, i) -> new StoredCommunity(rs.getString(1), rs.getString(2), plugins(slug)))
        .optional();
  }

  /** Whether the plugin is enabled for the community; empty when there is no such community. */
  public Optional<Boolean> pluginEnabled(String slug, String pluginName) {
    return jdbc.sql(
            """
            select exists (select 1 from community_plugin p where p.community_slug = c.slug and p.plugin_name = ?)
            from community c where c.slug = ?
            """)
        .params(pluginName, slug)
        .query(Boolean.class)
        .optional();
  }

  public boolean exists(String slug) {
    return jdbc.sql("select count(*) from community where slug = ?")
            .param(slug)
            .query(Long.class)
            .single()
        > 0;
  }

  private List<StoredPlugin> plugins(String slug) {
    return jdbc.sql(
            "select plugin_name, config::text, id from community_plugin where community_slug = ? order by plugin_name")
        .param(slug)
        .query((rs, i) -> storedPlugin(slug, rs))
        .list();
  }

  /**
   * One plugin of a community with its config opened, in one round trip and without opening the
   * community's other plugins; empty when the community does not exist or has not enabled it.
   */
  public Optional<StoredPlugin> plugin(String slug, String pluginName) {
    return jdbc.sql(
            "select plugin_name, config::text, id from community_plugin where community_slug = ? and plugin_name = ?")
        .params(slug, pluginName)
        .query((rs, i) -> storedPlugin(slug, rs))
        .optional();
  }

  private StoredPlugin storedPlugin(String slug, java.sql.ResultSet rs)
      throws java.sql.SQLException {
    return new StoredPlugin(
        rs.getString(1),
        cipher.open(
            slug,
            rs.getString(1),
            (ObjectNode) Json.parse(rs.getString(2)),
            secrets(rs.getString(1))),
        rs.getLong(3));
  }

  /** Inserts or updates the community row; true when it was created. */
  public boolean upsert(String slug, String readableName) {
    return jdbc.sql(
            """
            insert into community (slug, readable_name) values (?, ?)
            on conflict (slug) do update set readable_name = excluded.readable_name, updated_at = now()
            returning (xmax = 0)
            """)
        .params(slug, readableName)
        .query(Boolean.class)
        .single();
  }

  /** Inserts a new community; false when the slug is taken. */
  public boolean insert(String slug, String readableName) {
    return jdbc.sql(
                "insert into community (slug, readable_name) values (?, ?) on conflict (slug) do nothing")
            .params(slug, readableName)
            .update()
        == 1;
  }

  public void replacePlugins(String slug, List<StoredPlugin> plugins) {
    List<String> keep = plugins.stream().map(StoredPlugin::name).toList();
    if (keep.isEmpty()) {
      jdbc.sql("delete from community_plugin where community_slug = ?").param(slug).update();
    } else {
      jdbc.sql(
              "delete from community_plugin where community_slug = :slug and plugin_name not in (:names)")
          .param("slug", slug)
          .param("names", keep)
          .update();
    }
    for (StoredPlugin plugin : plugins) {
      jdbc.sql(
              """
              insert into community_plugin (community_slug, plugin_name, config) values (?, ?, ?::jsonb)
              on conflict (community_slug, plugin_name) do update set config = excluded.config, updated_at = now()
              """)
          .params(
              slug,
              plugin.name(),
              Json.write(cipher.seal(slug, plugin.name(), plugin.config(), secrets(plugin.name()))))
          .update();
    }
  }

  /** A plugin config exactly as stored, secrets sealed. */
  public record SealedConfig(String community, String plugin, ObjectNode config) {}

  public List<SealedConfig> sealedConfigs() {
    return jdbc.sql(
            "select community_slug, plugin_name, config::text from community_plugin order by 1, 2")
        .query(
            (rs, i) ->
                new SealedConfig(
                    rs.getString(1), rs.getString(2), (ObjectNode) Json.parse(rs.getString(3))))
        .list();
  }

  /**
   * Re-seals one stored config with the current key, if it needs it; true when it was rewritten.
   */
  public boolean reseal(SealedConfig stored) {
    Set<String> secrets = secrets(stored.plugin());
    if (!cipher.needsResealing(stored.config(), secrets)) {
      return false;
    }
    ObjectNode opened = cipher.open(stored.community(), stored.plugin(), stored.config(), secrets);
    jdbc.sql(
            "update community_plugin set config = ?::jsonb, updated_at = now() where community_slug = ? and plugin_name = ?")
        .params(
            Json.write(cipher.seal(stored.community(), stored.plugin(), opened, secrets)),
            stored.community(),
            stored.plugin())
        .update();
    return true;
  }

  public boolean delete(String slug) {
    return jdbc.sql("delete from community where slug = ?").param(slug).update() == 1;
  }

  public JsonNode pluginState(String slug, String plugin, String key) {
    return jdbc.sql(
            "select state -> ? from community_plugin where community_slug = ? and plugin_name = ?")
        .params(key, slug, plugin)
        .query((rs, i) -> rs.getString(1) == null ? null : Json.parse(rs.getString(1)))
        .optional()
        .orElse(null);
  }

  public void setPluginState(String slug, String plugin, String key, JsonNode value) {
    jdbc.sql(
            """
            update community_plugin set state = jsonb_set(state, array[?], ?::jsonb, true), updated_at = now()
            where community_slug = ? and plugin_name = ?
            """)
        .params(key, Json.write(value), slug, plugin)
        .update();
  }
}

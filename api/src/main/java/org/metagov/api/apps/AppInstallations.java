package org.metagov.api.apps;

import java.util.Optional;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.api.problem.ApiException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;

/**
 * The index from an installed app's installation key (a Slack team, a GitHub installation, a
 * Discord guild) to the one community whose plugin config holds it, so an app-level webhook is
 * routed with one primary-key read. It follows the configs: written in the transaction that stores
 * a config, and removed with the plugin.
 */
@Repository
public class AppInstallations {

  private final JdbcClient jdbc;
  private final PluginRegistry registry;

  public AppInstallations(JdbcClient jdbc, PluginRegistry registry) {
    this.jdbc = jdbc;
    this.registry = registry;
  }

  public Optional<String> community(String plugin, String installationKey) {
    if (installationKey == null || installationKey.isBlank()) {
      return Optional.empty();
    }
    return jdbc.sql(
            "select community_slug from app_installation where plugin_name = ? and installation_key = ?")
        .params(plugin, installationKey)
        .query(String.class)
        .optional();
  }

  /**
   * Points the config's installation key at the community, inside the caller's transaction (after
   * the config row was written). An installation that another community holds is refused with 409:
   * one workspace governs one community, as in the original gateway; uninstalling it there frees
   * it.
   */
  public void follow(String community, String pluginName, JsonNode config) {
    Plugin plugin = registry.find(pluginName).orElse(null);
    InstalledApp app = plugin == null ? null : plugin.installedApp();
    if (app == null) {
      return;
    }
    String key = config.path(app.installationKeyField()).asString(null);
    jdbc.sql(
            "delete from app_installation where community_slug = ? and plugin_name = ? and installation_key is distinct from ?")
        .params(community, pluginName, key)
        .update();
    if (key == null || key.isBlank()) {
      return;
    }
    try {
      jdbc.sql(
              """
              insert into app_installation (plugin_name, installation_key, community_slug) values (?, ?, ?)
              on conflict (plugin_name, installation_key) do nothing
              """)
          .params(pluginName, key, community)
          .update();
    } catch (DuplicateKeyException e) {
      throw installedElsewhere(pluginName, key);
    }
    String holder = community(pluginName, key).orElse(community);
    if (!holder.equals(community)) {
      throw installedElsewhere(pluginName, key);
    }
  }

  private static ApiException installedElsewhere(String plugin, String key) {
    return ApiException.conflict(
        "installation_in_use",
        "The "
            + plugin
            + " installation "
            + key
            + " already belongs to another community; uninstall it there first. Nothing was changed.");
  }
}

package org.metagov.activities.plugin;

import java.util.Optional;

/**
 * Loads a community's current config for a plugin, so activities use the config as it is now (a
 * Driver may change it while a process runs). Implemented over PostgreSQL by the api module.
 */
public interface PluginContexts {

  /** Empty when the community no longer exists or no longer enables the plugin. */
  Optional<PluginContext> find(String community, String plugin);
}

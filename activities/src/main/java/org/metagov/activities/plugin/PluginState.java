package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/** A plugin's small key-value state for one community, kept in PostgreSQL beside its config. */
public interface PluginState extends PluginStateView {

  void set(String key, JsonNode value);
}

package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/** Reading a plugin's small persistent state for one community, without changing it. */
public interface PluginStateView {

  /** The value stored under {@code key}, or null. */
  JsonNode get(String key);
}

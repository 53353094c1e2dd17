package org.metagov.activities.plugin;

import org.metagov.activities.http.PlatformHttp;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a plugin sees when it runs for one community: the community slug, its validated config
 * (secrets included, defaults filled), the platform HTTP client and the plugin's small persistent
 * state.
 */
public record PluginContext(
    String community, ObjectNode config, PlatformHttp http, PluginState state) {

  public String configText(String field) {
    return config.path(field).asString(null);
  }
}

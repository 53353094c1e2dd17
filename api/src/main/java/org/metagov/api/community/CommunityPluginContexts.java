package org.metagov.api.community;

import java.util.Optional;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginState;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Plugin contexts built from the communities stored in PostgreSQL, as they are at the moment of the
 * call.
 */
@Component
public class CommunityPluginContexts implements PluginContexts {

  private final CommunityRepository repository;
  private final PlatformHttp http;

  public CommunityPluginContexts(CommunityRepository repository, PlatformHttp http) {
    this.repository = repository;
    this.http = http;
  }

  @Override
  public Optional<PluginContext> find(String community, String plugin) {
    return repository.plugin(community, plugin).map(stored -> context(community, stored));
  }

  /** The context of a plugin a community has enabled, with its stored config. */
  public PluginContext context(String community, CommunityRepository.StoredPlugin stored) {
    return new PluginContext(community, stored.config(), http, state(community, stored.name()));
  }

  private PluginState state(String community, String plugin) {
    return new PluginState() {
      @Override
      public JsonNode get(String key) {
        return repository.pluginState(community, plugin, key);
      }

      @Override
      public void set(String key, JsonNode value) {
        repository.setPluginState(community, plugin, key, value);
      }
    };
  }
}

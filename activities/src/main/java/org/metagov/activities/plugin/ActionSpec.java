package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/** An action a plugin offers: its name, schemas of its parameters and result, and the code that runs it. */
public record ActionSpec(
    String name, String description, JsonNode inputSchema, JsonNode outputSchema, Action action) {

  /** Runs an action; the parameters have already been validated against the input schema. */
  @FunctionalInterface
  public interface Action {
    JsonNode run(PluginContext context, JsonNode parameters);
  }
}

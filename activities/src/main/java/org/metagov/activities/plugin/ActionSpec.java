package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/**
 * An action a plugin offers: its name, schemas of its parameters and result, and the code that runs
 * it. A public action (the gateway's {@code is_public}) reads only what its community may show
 * anyone, so it also runs at {@code POST /api/action/{plugin}.{action}} without a Driver token.
 */
public record ActionSpec(
    String name,
    String description,
    JsonNode inputSchema,
    JsonNode outputSchema,
    Action action,
    boolean isPublic) {

  /** An action only Drivers may run. */
  public ActionSpec(
      String name, String description, JsonNode inputSchema, JsonNode outputSchema, Action action) {
    this(name, description, inputSchema, outputSchema, action, false);
  }

  /** Runs an action; the parameters have already been validated against the input schema. */
  @FunctionalInterface
  public interface Action {
    JsonNode run(PluginContext context, JsonNode parameters);
  }
}

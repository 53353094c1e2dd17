package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/**
 * A governance process type a plugin offers. {@code closableEarly} tells Drivers (through the catalogue)
 * whether {@code DELETE} can close it before its deadline on the platform.
 */
public record ProcessSpec(
    String name,
    String description,
    JsonNode inputSchema,
    JsonNode outcomeSchema,
    boolean closableEarly,
    ProcessAdapter adapter) {}

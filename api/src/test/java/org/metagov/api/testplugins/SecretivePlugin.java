package org.metagov.api.testplugins;

import java.util.List;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.Schemas;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * A plugin that exists only in the tests (found by the application's component scan of {@code
 * org.metagov}), because no real plugin has a secret config field yet. Its {@code api_key} is
 * {@code writeOnly}, and its action tells whether a candidate equals the stored key without
 * revealing it.
 */
@Component
public class SecretivePlugin implements Plugin {

  public static final String NAME = "secretive";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "api_key": {"type": "string", "minLength": 1, "writeOnly": true, "description": "A secret."},
         "label": {"type": "string", "default": "unlabelled"},
         "webhook_slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"}
       },
       "required": ["api_key"],
       "additionalProperties": false}
      """);

  private static final JsonNode CHECK_INPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"candidate": {"type": "string"}}, "required": ["candidate"],
       "additionalProperties": false}
      """);

  private static final JsonNode CHECK_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"matches": {"type": "boolean"}}, "required": ["matches"]}
      """);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Test-only plugin with a secret config field.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "check-secret",
            "Whether the candidate equals the stored api_key.",
            CHECK_INPUT,
            CHECK_OUTPUT,
            SecretivePlugin::check));
  }

  private static JsonNode check(PluginContext context, JsonNode parameters) {
    String stored = context.configText("api_key");
    return Json.object()
        .put("matches", stored != null && stored.equals(parameters.path("candidate").asString()));
  }
}

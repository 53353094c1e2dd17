package org.metagov.api.action;

import io.swagger.v3.oas.annotations.Hidden;
import java.util.List;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.community.CommunityService;
import org.metagov.api.community.CommunityService.EnabledPlugin;
import org.metagov.api.problem.ApiException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs a plugin action synchronously. The OpenAPI document lists one operation per action instead
 * of this generic mapping (see the catalogue's OpenAPI customizer).
 */
@Hidden
@RestController
public class ActionController {

  private static final JsonNode BODY_SCHEMA =
      Schemas.schema(
          """
      {"type": "object", "properties": {"parameters": {"type": ["object", "null"]}}, "additionalProperties": false}
      """);

  private final CommunityService communities;
  private final io.micrometer.core.instrument.MeterRegistry meters;

  public ActionController(
      CommunityService communities, io.micrometer.core.instrument.MeterRegistry meters) {
    this.communities = communities;
    this.meters = meters;
  }

  @PostMapping(
      path = "/api/internal/action/{qualifiedName}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode run(
      @PathVariable String qualifiedName,
      @RequestHeader("X-Metagov-Community") String community,
      @RequestBody(required = false) JsonNode body) {
    return run(qualifiedName, community, body, false);
  }

  /**
   * Runs a public action (the gateway's {@code is_public}, such as SourceCred's cred lookups)
   * without a Driver token. Any other action is not found here, whether or not it exists at the
   * internal path.
   */
  @PostMapping(path = "/api/action/{qualifiedName}", produces = MediaType.APPLICATION_JSON_VALUE)
  public JsonNode runPublic(
      @PathVariable String qualifiedName,
      @RequestHeader("X-Metagov-Community") String community,
      @RequestBody(required = false) JsonNode body) {
    return run(qualifiedName, community, body, true);
  }

  private JsonNode run(String qualifiedName, String community, JsonNode body, boolean publicOnly) {
    QualifiedName name = QualifiedName.parse(qualifiedName, "action");
    EnabledPlugin enabled = communities.enabledPlugin(community, name.plugin());
    ActionSpec action =
        PluginRegistry.action(enabled.plugin(), name.member())
            .filter(found -> found.isPublic() || !publicOnly)
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "action_not_found",
                        "The plugin "
                            + name.plugin()
                            + " has no "
                            + (publicOnly ? "public " : "")
                            + "action named "
                            + name.member()
                            + "; GET /api/internal/plugin/"
                            + name.plugin()
                            + "/metadata lists them"
                            + (publicOnly ? " (public ones run without a Driver token)." : ".")));
    JsonNode parameters = parameters(body);
    List<FieldError> errors = Schemas.validate(action.inputSchema(), parameters, "parameters");
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The parameters of "
              + qualifiedName
              + " are invalid: "
              + errors.get(0).path()
              + " "
              + errors.get(0).message(),
          errors);
    }
    long started = System.nanoTime();
    String outcome = "error";
    try {
      JsonNode result = action.action().run(enabled.context(), parameters);
      outcome = "ok";
      return result;
    } finally {
      io.micrometer.core.instrument.Timer.builder("metagov.action.duration")
          .description("Time a plugin action took, platform call included")
          .tag("plugin", name.plugin())
          .tag("action", name.member())
          .tag("outcome", outcome)
          .register(meters)
          .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  private static JsonNode parameters(JsonNode body) {
    if (body == null || body.isNull() || body.isMissingNode()) {
      return org.metagov.activities.json.Json.object();
    }
    List<FieldError> errors = Schemas.validate(BODY_SCHEMA, body, "");
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The body must be {\"parameters\": {...}}: "
              + errors.get(0).path()
              + " "
              + errors.get(0).message(),
          errors);
    }
    JsonNode parameters = body.get("parameters");
    return parameters instanceof ObjectNode
        ? parameters
        : org.metagov.activities.json.Json.object();
  }
}

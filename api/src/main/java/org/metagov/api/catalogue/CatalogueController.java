package org.metagov.api.catalogue;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Map;
import org.metagov.activities.plugin.AuthType;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.api.problem.ApiException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** What each plugin offers: config schema, actions, processes and events. */
@Tag(name = OpenApiContract.CATALOGUE)
@RestController
public class CatalogueController {

  private final PluginRegistry registry;

  public CatalogueController(PluginRegistry registry) {
    this.registry = registry;
  }

  public record ActionMetadata(
      String name, String description, JsonNode input_schema, JsonNode output_schema) {}

  public record ProcessMetadata(
      String name,
      String description,
      JsonNode input_schema,
      JsonNode outcome_schema,
      boolean closable_early) {}

  /**
   * A plugin's catalogue entry. Beside this service's keys it carries the gateway's: {@code
   * auth_type}, {@code uses_webhook} and {@code schemas}, which Drivers written for the gateway
   * read.
   */
  public record PluginMetadata(
      String name,
      String description,
      JsonNode config_schema,
      List<ActionMetadata> actions,
      List<ProcessMetadata> processes,
      List<String> event_types,
      boolean receives_webhooks,
      AuthType auth_type,
      boolean uses_webhook,
      GatewaySchemas schemas) {

    static PluginMetadata of(Plugin plugin) {
      return new PluginMetadata(
          plugin.name(),
          plugin.description(),
          plugin.configSchema(),
          plugin.actions().stream()
              .map(
                  a ->
                      new ActionMetadata(
                          a.name(), a.description(), a.inputSchema(), a.outputSchema()))
              .toList(),
          plugin.processes().stream()
              .map(
                  p ->
                      new ProcessMetadata(
                          p.name(),
                          p.description(),
                          p.inputSchema(),
                          p.outcomeSchema(),
                          p.closableEarly()))
              .toList(),
          plugin.eventTypes(),
          plugin.receivesWebhooks(),
          plugin.authType(),
          plugin.webhookHandler() != null,
          GatewaySchemas.of(plugin));
    }
  }

  /**
   * The gateway's {@code schemas} of a plugin: actions and processes named {@code plugin.member}.
   */
  public record GatewaySchemas(
      JsonNode config,
      List<GatewayOperation> actions,
      List<GatewayEvent> events,
      List<GatewayOperation> processes) {

    static GatewaySchemas of(Plugin plugin) {
      return new GatewaySchemas(
          plugin.configSchema(),
          plugin.actions().stream()
              .map(
                  a ->
                      new GatewayOperation(
                          plugin.name() + "." + a.name(),
                          a.description(),
                          a.inputSchema(),
                          a.outputSchema()))
              .toList(),
          plugin.eventTypes().stream()
              .map(type -> new GatewayEvent(type, plugin.name(), null))
              .toList(),
          plugin.processes().stream()
              .map(
                  p ->
                      new GatewayOperation(
                          plugin.name() + "." + p.name(),
                          p.description(),
                          p.inputSchema(),
                          p.outcomeSchema()))
              .toList());
    }
  }

  public record GatewayOperation(
      String id, String description, JsonNode parameters_schema, JsonNode response_schema) {}

  /** An event type; {@code schema} is null as events' data schemas are not published. */
  public record GatewayEvent(String event_type, String source, JsonNode schema) {}

  public record PluginList(List<PluginMetadata> plugins) {}

  @Operation(
      operationId = "listPlugins",
      summary = "Every plugin with its config schema, actions, processes and events",
      responses = @ApiResponse(responseCode = "200", description = "The plugins."))
  @GetMapping(path = "/api/internal/plugins", produces = MediaType.APPLICATION_JSON_VALUE)
  public PluginList plugins() {
    return new PluginList(registry.all().stream().map(PluginMetadata::of).toList());
  }

  /** Every plugin's config schema by plugin name, the gateway's {@code plugin-schemas}. */
  @Operation(
      operationId = "listPluginSchemas",
      summary = "Every plugin's config schema by plugin name (the gateway's plugin-schemas)",
      responses =
          @ApiResponse(
              responseCode = "200",
              description = "The config schemas, keyed by plugin name."))
  @GetMapping(path = "/api/internal/plugin-schemas", produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, JsonNode> pluginSchemas() {
    Map<String, JsonNode> schemas = new java.util.TreeMap<>();
    registry.all().forEach(plugin -> schemas.put(plugin.name(), plugin.configSchema()));
    return schemas;
  }

  @Operation(
      operationId = "getPluginMetadata",
      summary = "One plugin's config schema, actions, processes and events",
      responses = {
        @ApiResponse(responseCode = "200", description = "The plugin."),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @GetMapping(
      path = "/api/internal/plugin/{name}/metadata",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public PluginMetadata metadata(@PathVariable String name) {
    return registry
        .find(name)
        .map(PluginMetadata::of)
        .orElseThrow(
            () ->
                ApiException.notFound(
                    "plugin_not_found",
                    "There is no plugin named "
                        + name
                        + "; GET /api/internal/plugins lists them."));
  }
}

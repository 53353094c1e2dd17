package org.metagov.api.catalogue;

import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.workflows.process.ProcessStatus;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adds one OpenAPI operation per plugin action and process, built from the same JSON Schemas that
 * validate requests, so the documentation cannot drift from the behaviour.
 */
@Configuration(proxyBeanMethods = false)
public class PluginOpenApi {

  private static final String PROBLEM = "application/problem+json";

  @Bean
  OpenAPI metagovOpenApi() {
    return new OpenAPI().info(new Info().title("Metagov on Temporal").version("0.1.0").description(
        "The Metagov Driver API: communities and their plugins, actions, durable governance processes, webhooks."));
  }

  @Bean
  OpenApiCustomizer pluginOperations(PluginRegistry registry) {
    return openApi -> {
      Paths paths = openApi.getPaths() == null ? new Paths() : openApi.getPaths();
      for (Plugin plugin : registry.all()) {
        for (ActionSpec action : plugin.actions()) {
          ObjectNode body = Json.object().put("type", "object");
          body.putObject("properties").set("parameters", action.inputSchema());
          Operation operation = new Operation()
              .operationId("action." + plugin.name() + "." + action.name())
              .summary(plugin.name() + "." + action.name())
              .description(action.description())
              .addTagsItem(plugin.name())
              .addParametersItem(communityHeader())
              .requestBody(new RequestBody().required(false).content(json(body)))
              .responses(responses("200", "The action's result.", action.outputSchema()));
          paths.addPathItem("/api/internal/action/" + plugin.name() + "." + action.name(), new PathItem().post(operation));
          if (action.isPublic()) {
            Operation open = new Operation()
                .operationId("public-action." + plugin.name() + "." + action.name())
                .summary(plugin.name() + "." + action.name() + " (public)")
                .description(action.description() + " A public action: it runs without a Driver token.")
                .addTagsItem(plugin.name())
                .addParametersItem(communityHeader())
                .requestBody(new RequestBody().required(false).content(json(body)))
                .responses(responses("200", "The action's result.", action.outputSchema()));
            open.setSecurity(java.util.List.of());
            paths.addPathItem("/api/action/" + plugin.name() + "." + action.name(), new PathItem().post(open));
          }
        }
        for (ProcessSpec process : plugin.processes()) {
          ObjectNode body = (ObjectNode) process.inputSchema().deepCopy();
          body.withObject("properties").putObject("callback_url").put("type", "string").put("format", "uri")
              .put("description", "Where the completed process record is POSTed when the process ends.");
          body.withObject("properties").putObject("callback_on_update").put("type", "boolean").put("default", false)
              .put("description", "Also POST the record to callback_url on every change while the process is open, not "
                  + "only when it ends (needs callback_url). Each callback then carries a version that grows with every "
                  + "change and final (true on the last one, which is always sent); drop one whose version is not above "
                  + "the last you applied. Pending changes may be coalesced into the newest.");
          String base = "/api/internal/process/" + plugin.name() + "." + process.name();
          Operation start = new Operation()
              .operationId("process." + plugin.name() + "." + process.name())
              .summary("Start " + plugin.name() + "." + process.name())
              .description(process.description() + (process.closableEarly() ? "" : " This process cannot be closed early."))
              .addTagsItem(plugin.name())
              .addParametersItem(communityHeader())
              .addParametersItem(new HeaderParameter().name("Idempotency-Key").required(false)
                  .description("Retried starts with the same key return the same process.").schema(new Schema<String>().type("string")))
              .requestBody(new RequestBody().required(true).content(json(body)))
              .responses(responses("202", "The process was accepted; Location names it.", record(process.outcomeSchema())));
          paths.addPathItem(base, new PathItem().post(start));
          Operation get = new Operation()
              .operationId("process." + plugin.name() + "." + process.name() + ".get")
              .summary("Read a " + plugin.name() + "." + process.name() + " process")
              .addTagsItem(plugin.name())
              .addParametersItem(new PathParameter().name("id").schema(new Schema<Long>().type("integer")))
              .responses(responses("200", "The process record.", record(process.outcomeSchema())));
          PathItem item = new PathItem().get(get);
          if (process.closableEarly()) {
            item.delete(new Operation()
                .operationId("process." + plugin.name() + "." + process.name() + ".close")
                .summary("Close a " + plugin.name() + "." + process.name() + " process early")
                .addTagsItem(plugin.name())
                .addParametersItem(new PathParameter().name("id").schema(new Schema<Long>().type("integer")))
                .responses(responses("200", "The completed process record.", record(process.outcomeSchema()))));
          }
          paths.addPathItem(base + "/{id}", item);
        }
      }
      openApi.setPaths(paths);
    };
  }

  private static HeaderParameter communityHeader() {
    return (HeaderParameter) new HeaderParameter().name("X-Metagov-Community").required(true)
        .description("The community slug.").schema(new Schema<String>().type("string"));
  }

  private static JsonNode record(JsonNode outcomeSchema) {
    return Json.parse("""
        {"type": "object", "properties": {
          "id": {"type": "integer"}, "name": {"type": "string"}, "community": {"type": "string"},
          "status": {"type": "string", "enum": %s},
          "url": {"type": ["string", "null"]}, "errors": {"type": "object"}, "outcome": %s,
          "version": {"type": "integer", "description": "Grows with every change of the process."}}}
        """.formatted(Json.write(ProcessStatus.values()), Json.write(outcomeSchema)));
  }

  private static ApiResponses responses(String status, String description, JsonNode schema) {
    ApiResponses responses = new ApiResponses().addApiResponse(status, new ApiResponse().description(description).content(json(schema)));
    Content problem = new Content().addMediaType(PROBLEM, new MediaType().schema(new Schema<>().type("object")));
    responses.addApiResponse("400", new ApiResponse().description("Invalid input, a missing X-Metagov-Community header, or a plugin the community has not enabled.").content(problem));
    responses.addApiResponse("404", new ApiResponse().description("Unknown community, plugin, action or process.").content(problem));
    responses.addApiResponse("502", new ApiResponse().description("The platform answered with an error.").content(problem));
    responses.addApiResponse("504", new ApiResponse().description("The platform did not answer in time.").content(problem));
    return responses;
  }

  private static Content json(JsonNode schema) {
    return new Content().addMediaType("application/json", new MediaType().schema(toSchema(schema)));
  }

  private static Schema<?> toSchema(JsonNode schema) {
    try {
      return Json31.mapper().readValue(Json.write(schema), Schema.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a plugin schema is not a valid OpenAPI schema", e);
    }
  }
}

package org.metagov.api.catalogue;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.Paths;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.parameters.PathParameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.tags.Tag;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessSpec;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Adds one OpenAPI operation per plugin action and process, built from the same JSON Schemas that
 * validate requests, so the documentation cannot drift from the behaviour. Examples are built from
 * those schemas too; the tutorial's own examples (openapi/examples.json) replace them where there
 * are some.
 */
@Configuration(proxyBeanMethods = false)
public class PluginOpenApi {

  /**
   * The operationId prefixes of plugin actions, at their internal path and (public ones) at the
   * open one.
   */
  static final String ACTION_PREFIX = "action.";

  static final String PUBLIC_ACTION_PREFIX = "public-action.";

  @Bean
  OpenApiContract.Operations pluginOperations(PluginRegistry registry) {
    return openApi -> {
      Paths paths = openApi.getPaths() == null ? new Paths() : openApi.getPaths();
      for (Plugin plugin : registry.all()) {
        openApi.addTagsItem(new Tag().name(plugin.name()).description(plugin.description()));
        for (ActionSpec action : plugin.actions()) {
          String qualifiedAction = plugin.name() + "." + action.name();
          Operation operation =
              new Operation()
                  .operationId(ACTION_PREFIX + qualifiedAction)
                  .summary(qualifiedAction)
                  .description(action.description())
                  .addTagsItem(plugin.name())
                  .addTagsItem(OpenApiContract.ACTIONS)
                  .addParametersItem(communityHeader(true))
                  .requestBody(actionBody(action))
                  .responses(actionResponses(action));
          paths.addPathItem(
              "/api/internal/action/" + qualifiedAction, new PathItem().post(operation));
          if (action.isPublic()) {
            // Its own body and responses: the contract's rules modify them per operation, and this
            // one has no 401.
            Operation open =
                new Operation()
                    .operationId(PUBLIC_ACTION_PREFIX + qualifiedAction)
                    .summary(qualifiedAction + " (public)")
                    .description(
                        action.description() + " A public action: it runs without a Driver token.")
                    .addTagsItem(plugin.name())
                    .addTagsItem(OpenApiContract.ACTIONS)
                    .addParametersItem(communityHeader(true))
                    .requestBody(actionBody(action))
                    .responses(actionResponses(action));
            paths.addPathItem("/api/action/" + qualifiedAction, new PathItem().post(open));
          }
        }
        for (ProcessSpec process : plugin.processes()) {
          ObjectNode body = (ObjectNode) process.inputSchema().deepCopy();
          body.withObject("properties")
              .putObject("callback_url")
              .put("type", "string")
              .put("format", "uri")
              .put(
                  "description",
                  "Where the completed process record is POSTed when the process ends.");
          body.withObject("properties")
              .putObject("callback_on_update")
              .put("type", "boolean")
              .put("default", false)
              .put(
                  "description",
                  "Also POST the record to callback_url on every change while the process is open, not "
                      + "only when it ends (needs callback_url). Each callback then carries a version that grows with every "
                      + "change and final (true on the last one, which is always sent); drop one whose version is not above "
                      + "the last you applied. Pending changes may be coalesced into the newest.");
          JsonNode record = OpenApiContract.processRecord(process.outcomeSchema());
          String qualified = plugin.name() + "." + process.name();
          String base = "/api/internal/process/" + qualified;
          Operation start =
              new Operation()
                  .operationId("process." + qualified)
                  .summary("Start " + qualified)
                  .description(
                      process.description()
                          + (process.closableEarly()
                              ? ""
                              : " This process cannot be closed early."))
                  .addTagsItem(plugin.name())
                  .addTagsItem(OpenApiContract.PROCESSES)
                  .addParametersItem(communityHeader(true))
                  .addParametersItem(
                      new HeaderParameter()
                          .name("Idempotency-Key")
                          .required(false)
                          .description("Retried starts with the same key return the same process.")
                          .schema(OpenApiContract.string()))
                  .requestBody(
                      new RequestBody()
                          .required(true)
                          .content(json(body, SchemaExamples.of(process.inputSchema()))))
                  .responses(
                      new ApiResponses()
                          .addApiResponse(
                              "202",
                              new ApiResponse()
                                  .description("The process was accepted; Location names it.")
                                  .addHeaderObject(
                                      "Location",
                                      new Header()
                                          .required(true)
                                          .schema(OpenApiContract.string())
                                          .description("The process's URL, " + base + "/{id}."))
                                  .content(
                                      json(
                                          record,
                                          processExample(qualified, "created", Json.object()))))
                          .addApiResponse("400", OpenApiContract.ref(OpenApiContract.BAD_REQUEST))
                          .addApiResponse("404", OpenApiContract.ref(OpenApiContract.NOT_FOUND))
                          .addApiResponse("409", OpenApiContract.ref(OpenApiContract.CONFLICT)));
          paths.addPathItem(base, new PathItem().post(start));
          Operation get =
              new Operation()
                  .operationId("process." + qualified + ".get")
                  .summary("Read a " + qualified + " process")
                  .addTagsItem(plugin.name())
                  .addTagsItem(OpenApiContract.PROCESSES)
                  .addParametersItem(processId())
                  .addParametersItem(communityHeader(false))
                  .responses(
                      new ApiResponses()
                          .addApiResponse(
                              "200",
                              new ApiResponse()
                                  .description("The process record.")
                                  .content(
                                      json(
                                          record,
                                          processExample(qualified, "pending", Json.object()))))
                          .addApiResponse("404", OpenApiContract.ref(OpenApiContract.NOT_FOUND)));
          PathItem item = new PathItem().get(get);
          if (process.closableEarly()) {
            item.delete(
                new Operation()
                    .operationId("process." + qualified + ".close")
                    .summary("Close a " + qualified + " process early")
                    .addTagsItem(plugin.name())
                    .addTagsItem(OpenApiContract.PROCESSES)
                    .addParametersItem(processId())
                    .addParametersItem(communityHeader(false))
                    .responses(
                        new ApiResponses()
                            .addApiResponse(
                                "200",
                                new ApiResponse()
                                    .description("The completed process record.")
                                    .content(
                                        json(
                                            record,
                                            processExample(
                                                qualified,
                                                "completed",
                                                SchemaExamples.of(process.outcomeSchema())))))
                            .addApiResponse("404", OpenApiContract.ref(OpenApiContract.NOT_FOUND))
                            .addApiResponse("409", OpenApiContract.ref(OpenApiContract.CONFLICT))
                            .addApiResponse("502", OpenApiContract.ref(OpenApiContract.BAD_GATEWAY))
                            .addApiResponse(
                                "504", OpenApiContract.ref(OpenApiContract.GATEWAY_TIMEOUT))));
          }
          paths.addPathItem(base + "/{id}", item);
        }
      }
      openApi.setPaths(paths);
    };
  }

  private static RequestBody actionBody(ActionSpec action) {
    ObjectNode body = Json.object().put("type", "object").put("additionalProperties", false);
    body.putObject("properties").set("parameters", action.inputSchema());
    ObjectNode example = Json.object();
    example.set("parameters", SchemaExamples.of(action.inputSchema()));
    return new RequestBody().required(false).content(json(body, example));
  }

  private static ApiResponses actionResponses(ActionSpec action) {
    return new ApiResponses()
        .addApiResponse(
            "200",
            new ApiResponse()
                .description("The action's result.")
                .content(json(action.outputSchema(), SchemaExamples.of(action.outputSchema()))))
        .addApiResponse("400", OpenApiContract.ref(OpenApiContract.BAD_REQUEST))
        .addApiResponse("404", OpenApiContract.ref(OpenApiContract.NOT_FOUND))
        .addApiResponse("502", OpenApiContract.ref(OpenApiContract.BAD_GATEWAY))
        .addApiResponse("504", OpenApiContract.ref(OpenApiContract.GATEWAY_TIMEOUT));
  }

  private static HeaderParameter communityHeader(boolean required) {
    return (HeaderParameter)
        new HeaderParameter()
            .name("X-Metagov-Community")
            .required(required)
            .description("The community slug.")
            .schema(OpenApiContract.string());
  }

  private static PathParameter processId() {
    return (PathParameter)
        new PathParameter()
            .name("id")
            .required(true)
            .description("The process id the start answered.")
            .schema(
                OpenApiContract.schema(
                    Json.parse("{\"type\": \"integer\", \"format\": \"int64\"}")));
  }

  private static JsonNode processExample(String qualified, String status, JsonNode outcome) {
    ObjectNode example =
        Json.object()
            .put("id", 1)
            .put("name", qualified)
            .put("community", "my-community-1234")
            .put("status", status);
    example.putNull("url");
    example.putObject("errors");
    example.set("outcome", outcome);
    example.put("version", 1);
    return example;
  }

  private static Content json(JsonNode schema, JsonNode example) {
    return new Content()
        .addMediaType(
            "application/json",
            new MediaType()
                .schema(OpenApiContract.schema(schema))
                .example(OpenApiContract.value(example)));
  }
}

package org.metagov.api.catalogue;

import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.servers.Server;
import io.swagger.v3.oas.models.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import org.metagov.activities.json.Json;
import org.metagov.api.security.DriverAuthenticationFilter;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The parts of the OpenAPI document that every operation shares, and the rules that hold for every
 * operation whichever controller or plugin it comes from: every failure answers the {@code Problem}
 * schema, an operation that needs a Driver token declares the bearer scheme and its 401, an
 * operation with a body documents the 400, 413 and 415 every body can get, and the examples of
 * {@code openapi/examples.json} (keyed by operationId, taken from the Driver tutorial's flows) are
 * attached. OpenApiDocumentTest checks the rules on the live document, so an endpoint added later
 * that breaks one fails the build.
 */
@Configuration(proxyBeanMethods = false)
public class OpenApiContract {

  public static final String PROBLEM_JSON =
      org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE;
  public static final String DRIVER_TOKEN = "driverToken";
  private static final String APPLICATION_JSON =
      org.springframework.http.MediaType.APPLICATION_JSON_VALUE;

  /** Problem answers shared by operations, for {@code @ApiResponse(ref = ...)}. */
  public static final String BAD_REQUEST = "#/components/responses/BadRequest";

  public static final String UNAUTHORIZED = "#/components/responses/Unauthorized";
  public static final String FORBIDDEN = "#/components/responses/Forbidden";
  public static final String NOT_FOUND = "#/components/responses/NotFound";
  public static final String CONFLICT = "#/components/responses/Conflict";
  public static final String PAYLOAD_TOO_LARGE = "#/components/responses/PayloadTooLarge";
  public static final String UNSUPPORTED_MEDIA_TYPE = "#/components/responses/UnsupportedMediaType";
  public static final String BAD_GATEWAY = "#/components/responses/BadGateway";
  public static final String UNAVAILABLE = "#/components/responses/Unavailable";
  public static final String GATEWAY_TIMEOUT = "#/components/responses/GatewayTimeout";

  /** The tags of the API's areas; plugin operations also carry their plugin's name as a tag. */
  public static final String COMMUNITIES = "communities";

  public static final String CATALOGUE = "catalogue";
  public static final String ACTIONS = "actions";
  public static final String PROCESSES = "processes";
  public static final String DELIVERIES = "deliveries";
  public static final String WEBHOOKS = "webhooks";
  public static final String APPS = "apps";
  public static final String IDENTITY = "identity";

  private static final String PROBLEM_SCHEMA =
      """
      {"type": "object", "description": "An RFC 9457 problem document.",
       "required": ["type", "title", "status", "detail", "code"],
       "properties": {
         "type": {"type": "string", "description": "A URI naming the problem type; about:blank for plain HTTP statuses."},
         "title": {"type": "string", "description": "The HTTP status's reason phrase."},
         "status": {"type": "integer", "description": "The HTTP status code."},
         "detail": {"type": "string", "description": "What went wrong and how to fix it, for a person."},
         "code": {"type": "string", "description": "A stable machine-readable code, such as validation_failed or community_not_found."},
         "instance": {"type": "string", "description": "The request path."},
         "errors": {"type": "array", "description": "The failing fields, for validation problems.",
                    "items": {"$ref": "#/components/schemas/FieldError"}}}}
      """;

  private static final String FIELD_ERROR_SCHEMA =
      """
      {"type": "object", "required": ["path", "message"],
       "properties": {
         "path": {"type": "string", "description": "Where the failing value is, such as parameters.low or header.X-Metagov-Community."},
         "message": {"type": "string", "description": "What is wrong with it."}}}
      """;

  private static final String PROCESS_RECORD_SCHEMA =
      """
      {"type": "object", "required": ["id", "name", "community", "status"],
       "properties": {
         "id": {"type": "integer", "format": "int64"},
         "name": {"type": "string", "description": "<plugin>.<process>"},
         "community": {"type": "string"},
         "status": {"type": "string", "enum": %s},
         "url": {"type": ["string", "null"], "description": "Where people take part on the platform, once known."},
         "errors": {"type": "object", "additionalProperties": true},
         "outcome": {"type": "object", "additionalProperties": true, "description": "The process type's outcome; see its plugin's operations."},
         "version": {"type": "integer", "format": "int64", "description": "Grows with every change of the process; a live callback whose version is not above the last applied is stale."}}}
      """;

  static {
    // Jackson trees are JSON values the plugins' schemas describe, not Java objects with
    // properties; Spring's
    // HttpHeaders parameter is how webhook receivers read the platform's headers, not a request
    // parameter.
    // A record component typed ObjectNode still breaks its record's schema (springdoc's
    // polymorphism check
    // inspects ObjectNode as a bean before this replacement applies), so views declare such fields
    // as JsonNode.
    SpringDocUtils.getConfig()
        .replaceWithSchema(JsonNode.class, anyObject())
        .replaceWithSchema(ObjectNode.class, anyObject())
        .addRequestWrapperToIgnore(HttpHeaders.class);
  }

  static Schema<?> anyObject() {
    return schema(Json.parse("{\"type\": \"object\", \"additionalProperties\": true}"));
  }

  @Bean
  OpenAPI metagovOpenApi() {
    Components components =
        new Components()
            .addSchemas("Problem", schema(Json.parse(PROBLEM_SCHEMA)))
            .addSchemas("FieldError", schema(Json.parse(FIELD_ERROR_SCHEMA)))
            .addSchemas(
                "ProcessRecord",
                schema(
                    processRecord(
                        Json.parse("{\"type\": \"object\", \"additionalProperties\": true}"))))
            .addSecuritySchemes(
                DRIVER_TOKEN,
                new SecurityScheme()
                    .type(SecurityScheme.Type.HTTP)
                    .scheme("bearer")
                    .description(
                        "A Driver token (DRIVER_API_TOKENS), sent as Authorization: Bearer <token>. Needed only when the"
                            + " deployment configures Driver tokens; a token may be limited to some communities."))
            .addResponses(
                "BadRequest",
                problem(
                    "The request is invalid (a field, parameter or header); nothing was changed."))
            .addResponses(
                "Unauthorized",
                problem("No Driver token, or one that is not valid.")
                    .addHeaderObject(
                        "WWW-Authenticate",
                        new Header().description("Bearer realm=\"metagov\"").schema(string())))
            .addResponses("Forbidden", problem("The Driver token is not allowed this community."))
            .addResponses(
                "NotFound",
                problem("There is no such community, plugin, action, process or delivery."))
            .addResponses(
                "Conflict",
                problem("The request conflicts with the current state; nothing was changed."))
            .addResponses("PayloadTooLarge", problem("The body is larger than MAX_BODY_SIZE."))
            .addResponses("UnsupportedMediaType", problem("The body is not application/json."))
            .addResponses("BadGateway", problem("The platform answered with an error."))
            .addResponses(
                "Unavailable",
                problem(
                        "The database, Temporal or the platform (rate limit) is unavailable for now;"
                            + " nothing was changed. Retry later.")
                    .addHeaderObject(
                        "Retry-After",
                        new Header()
                            .description("Seconds to wait, when the platform said so.")
                            .schema(integer())))
            .addResponses("GatewayTimeout", problem("The platform did not answer in time."));
    return new OpenAPI()
        .info(
            new Info()
                .title("Metagov on Temporal")
                .version("0.1.0")
                .description(
                    "The Metagov Driver API: communities and their plugins, actions, durable governance processes, webhooks."))
        .servers(List.of(new Server().url("/").description("This service")))
        .components(components)
        .tags(
            List.of(
                new Tag().name(COMMUNITIES).description("Communities and the plugins they enable."),
                new Tag()
                    .name(CATALOGUE)
                    .description(
                        "What each plugin offers: config schema, actions, processes, events."),
                new Tag()
                    .name(ACTIONS)
                    .description("Synchronous platform calls, one operation per plugin action."),
                new Tag()
                    .name(PROCESSES)
                    .description(
                        "Durable governance processes, one set of operations per process type."),
                new Tag()
                    .name(DELIVERIES)
                    .description("Callbacks and events sent to the Driver, and dead letters."),
                new Tag().name(WEBHOOKS).description("Where platforms send their webhooks."),
                new Tag()
                    .name(APPS)
                    .description("Installing platform apps into a community (OAuth)."),
                new Tag()
                    .name(IDENTITY)
                    .description(
                        "A community's Metagov ids and the platform accounts linked to them.")));
  }

  /**
   * Operations that a bean adds to the document beside the controllers' own, such as the plugins'
   * per-action operations. Add them this way rather than as another springdoc customizer: springdoc
   * runs its customizers in no particular order, and the contract's rules must see every operation.
   */
  @FunctionalInterface
  public interface Operations {
    void addTo(OpenAPI openApi);
  }

  /**
   * The one customizer: adds the other beans' operations, then applies the rules to every
   * operation.
   */
  @Bean
  OpenApiCustomizer contract(ObjectProvider<Operations> operations) {
    JsonNode examples = readExamples();
    return openApi -> {
      operations.orderedStream().forEach(added -> added.addTo(openApi));
      applyRules(openApi, examples);
    };
  }

  private static void applyRules(OpenAPI openApi, JsonNode examples) {
    openApi
        .getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, operation) -> {
                          ApiResponses responses = operation.getResponses();
                          if (!DriverAuthenticationFilter.isOpen(path)) {
                            operation.setSecurity(
                                List.of(new SecurityRequirement().addList(DRIVER_TOKEN)));
                            responses.putIfAbsent("401", ref(UNAUTHORIZED));
                          }
                          if (operation.getRequestBody() != null) {
                            responses.putIfAbsent("400", ref(BAD_REQUEST));
                            responses.putIfAbsent("413", ref(PAYLOAD_TOO_LARGE));
                            // A body read as JSON refuses other media types; webhook receivers take
                            // the platform's bytes as they come.
                            if (operation.getRequestBody().getContent() != null
                                && operation
                                    .getRequestBody()
                                    .getContent()
                                    .keySet()
                                    .equals(java.util.Set.of(APPLICATION_JSON))) {
                              responses.putIfAbsent("415", ref(UNSUPPORTED_MEDIA_TYPE));
                            }
                          }
                          responses.putIfAbsent("503", ref(UNAVAILABLE));
                          // springdoc gives every answer the method's return type; a redirect and a
                          // 204 have no body.
                          responses.forEach(
                              (status, response) -> {
                                if (status.equals("204") || status.startsWith("3")) {
                                  response.setContent(null);
                                }
                              });
                          String id = String.valueOf(operation.getOperationId());
                          // springdoc names the operations of a method mapped to several paths id,
                          // id_1, id_2, ...; a public action
                          // takes and answers what the same action does at its internal path.
                          String key =
                              id.replaceFirst("_\\d+$", "")
                                  .replaceFirst(
                                      "^"
                                          + java.util.regex.Pattern.quote(
                                              PluginOpenApi.PUBLIC_ACTION_PREFIX),
                                      PluginOpenApi.ACTION_PREFIX);
                          JsonNode example =
                              examples.has(id) ? examples.get(id) : examples.path(key);
                          attachExamples(operation, example);
                        }));
  }

  private static void attachExamples(Operation operation, JsonNode examples) {
    if (examples.has("request")
        && operation.getRequestBody() != null
        && operation.getRequestBody().getContent() != null) {
      operation
          .getRequestBody()
          .getContent()
          .values()
          .forEach(media -> media.setExample(value(examples.get("request"))));
    }
    examples
        .path("responses")
        .properties()
        .forEach(
            entry -> {
              ApiResponse response = operation.getResponses().get(entry.getKey());
              if (response == null || response.getContent() == null) {
                throw new IllegalStateException(
                    "openapi/examples.json has an example for "
                        + operation.getOperationId()
                        + " "
                        + entry.getKey()
                        + ", which the operation does not answer with a body");
              }
              response
                  .getContent()
                  .values()
                  .forEach(media -> media.setExample(value(entry.getValue())));
            });
  }

  private static JsonNode readExamples() {
    try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi/examples.json")) {
      return Json.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A JSON value as the plain Java value (maps, lists, strings, numbers) the OpenAPI model
   * serializes.
   */
  static Object value(JsonNode json) {
    return Json.MAPPER.convertValue(json, Object.class);
  }

  static ApiResponse ref(String ref) {
    return new ApiResponse().$ref(ref);
  }

  private static ApiResponse problem(String description) {
    return new ApiResponse()
        .description(description)
        .content(
            new Content()
                .addMediaType(
                    PROBLEM_JSON,
                    new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem"))));
  }

  /** The record of a process, with {@code outcome} as the given process type's outcome schema. */
  static JsonNode processRecord(JsonNode outcomeSchema) {
    ObjectNode record =
        (ObjectNode)
            Json.parse(
                PROCESS_RECORD_SCHEMA.formatted(
                    Json.write(org.metagov.workflows.process.ProcessStatus.values())));
    ((ObjectNode) record.get("properties")).set("outcome", outcomeSchema);
    return record;
  }

  /**
   * The schema with every union of several types written so that client generators understand it: a
   * union of scalar types ({@code "type": ["string", "integer"]}) as a oneOf of one type each,
   * which means the same; a union with an array or object type as any JSON value (generators cannot
   * deserialize such a oneOf), its description saying what it takes. A lone type with null stays.
   */
  static JsonNode withoutTypeUnions(JsonNode schema) {
    if (schema.isArray()) {
      tools.jackson.databind.node.ArrayNode copy = Json.MAPPER.createArrayNode();
      schema.forEach(item -> copy.add(withoutTypeUnions(item)));
      return copy;
    }
    if (!schema.isObject()) {
      return schema;
    }
    ObjectNode copy = Json.object();
    schema
        .properties()
        .forEach(entry -> copy.set(entry.getKey(), withoutTypeUnions(entry.getValue())));
    JsonNode type = schema.get("type");
    if (type != null && type.isArray() && type.size() > 1) {
      long nonNull = 0;
      for (JsonNode one : type) {
        nonNull += "null".equals(one.asString()) ? 0 : 1;
      }
      boolean scalar = true;
      for (JsonNode one : type) {
        scalar &= !"array".equals(one.asString()) && !"object".equals(one.asString());
      }
      if (nonNull > 1) {
        copy.remove("type");
        if (scalar) {
          tools.jackson.databind.node.ArrayNode oneOf = copy.putArray("oneOf");
          type.forEach(one -> oneOf.addObject().put("type", one.asString()));
        }
      }
    }
    return copy;
  }

  static Schema<?> string() {
    return schema(Json.parse("{\"type\": \"string\"}"));
  }

  static Schema<?> integer() {
    return schema(Json.parse("{\"type\": \"integer\"}"));
  }

  /** A JSON Schema (as the plugins write them) as an OpenAPI 3.1 schema. */
  static Schema<?> schema(JsonNode schema) {
    try {
      return Json31.mapper().readValue(Json.write(withoutTypeUnions(schema)), Schema.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("not a valid OpenAPI schema: " + schema, e);
    }
  }
}

package org.metagov.api.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.IntegrationTest;
import org.metagov.api.security.DriverAuthenticationFilter;
import org.metagov.api.testplugins.SecretivePlugin;
import org.metagov.api.testplugins.TeardownProbePlugin;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The OpenAPI document as a contract: a real parser reads it without a message, every operation
 * (whichever controller or plugin it comes from, including ones added later) keeps the rules below,
 * and the committed copy that the generated client is built from (api/openapi.json) is the live
 * document. After a deliberate change, rewrite the copy with {@code -Dopenapi.rewrite=true}.
 */
class OpenApiDocumentTest extends IntegrationTest {

  /** The committed document, relative to the api module (Surefire's working directory). */
  static final Path COMMITTED = Path.of("openapi.json");

  /** Plugins of the test context only; the committed document is the application's. */
  private static final Set<String> TEST_PLUGINS =
      Set.of(SecretivePlugin.NAME, TeardownProbePlugin.NAME);

  private static final Set<String> AREAS =
      Set.of(
          OpenApiContract.COMMUNITIES,
          OpenApiContract.CATALOGUE,
          OpenApiContract.ACTIONS,
          OpenApiContract.PROCESSES,
          OpenApiContract.DELIVERIES,
          OpenApiContract.WEBHOOKS,
          OpenApiContract.APPS,
          OpenApiContract.IDENTITY);

  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  @Autowired PluginRegistry registry;

  private JsonNode live() {
    Response response = get("/v3/api-docs");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  @Test
  void aRealParserReadsTheDocumentWithoutErrorsOrWarnings() {
    String document = get("/v3/api-docs").body();
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIParser().readContents(document, null, options);
    assertThat(result.getMessages()).as("parser messages").isEmpty();
    assertThat(result.getOpenAPI()).isNotNull();
    assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
    // The committed copy, which the generated client comes from, parses as cleanly.
    SwaggerParseResult committed = new OpenAPIParser().readContents(read(COMMITTED), null, options);
    assertThat(committed.getMessages()).as("parser messages of " + COMMITTED).isEmpty();
  }

  @Test
  void everyOperationKeepsTheContract() {
    JsonNode document = live();
    List<String> violations = new ArrayList<>();
    Set<String> operationIds = new HashSet<>();
    Set<String> declaredTags = new HashSet<>();
    document
        .path("tags")
        .forEach(
            tag -> {
              declaredTags.add(tag.path("name").asString());
              if (tag.path("description").asString("").isBlank()) {
                violations.add("tag " + tag.path("name").asString() + " has no description");
              }
            });
    JsonNode bearer =
        document.path("components").path("securitySchemes").path(OpenApiContract.DRIVER_TOKEN);
    assertThat(bearer.path("type").asString()).isEqualTo("http");
    assertThat(bearer.path("scheme").asString()).isEqualTo("bearer");

    for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
      for (Map.Entry<String, JsonNode> entry : path.getValue().properties()) {
        if (!METHODS.contains(entry.getKey())) {
          continue;
        }
        String where = entry.getKey().toUpperCase() + " " + path.getKey();
        checkOperation(
            document,
            path.getKey(),
            entry.getValue(),
            where,
            declaredTags,
            operationIds,
            violations);
      }
    }
    // Every named schema describes something: a class springdoc cannot read renders as an empty {}.
    document
        .path("components")
        .path("schemas")
        .properties()
        .forEach(
            schema -> {
              if (!isRealSchema(schema.getValue())) {
                violations.add("schema " + schema.getKey() + " is empty: " + schema.getValue());
              }
            });
    assertThat(violations).as("contract violations").isEmpty();
  }

  private static void checkOperation(
      JsonNode document,
      String path,
      JsonNode operation,
      String where,
      Set<String> declaredTags,
      Set<String> operationIds,
      List<String> violations) {
    String id = operation.path("operationId").asString("");
    if (id.isBlank() || !operationIds.add(id)) {
      violations.add(where + ": operationId missing or repeated: '" + id + "'");
    }
    if (operation.path("summary").asString("").isBlank()) {
      violations.add(where + ": no summary");
    }
    List<String> tags = new ArrayList<>();
    operation.path("tags").forEach(tag -> tags.add(tag.asString()));
    if (tags.stream().noneMatch(AREAS::contains)) {
      violations.add(where + ": no area tag among " + tags + " (one of " + AREAS + ")");
    }
    tags.stream()
        .filter(tag -> !declaredTags.contains(tag))
        .forEach(tag -> violations.add(where + ": tag " + tag + " is not declared"));
    boolean pluginOperation =
        path.startsWith("/api/internal/action/")
            || path.matches("/api/internal/process/[^/{]+\\.[^/]+.*");
    if (pluginOperation && tags.size() < 2) {
      violations.add(
          where + ": a plugin operation is tagged with its plugin and its area, not " + tags);
    }
    operation
        .path("parameters")
        .forEach(
            parameter -> {
              if (!isRealSchema(parameter.path("schema"))) {
                violations.add(
                    where + ": parameter " + parameter.path("name").asString() + " has no schema");
              }
            });
    JsonNode responses = operation.path("responses");
    Set<String> statuses = new HashSet<>();
    responses.propertyNames().forEach(statuses::add);
    if (statuses.stream().noneMatch(s -> s.startsWith("2") || s.startsWith("3"))) {
      violations.add(where + ": no success status");
    }
    for (Map.Entry<String, JsonNode> response : responses.properties()) {
      String status = response.getKey();
      JsonNode resolved = resolve(document, response.getValue());
      if (resolved.path("description").asString("").isBlank()) {
        violations.add(where + " " + status + ": no description");
      }
      JsonNode content = resolved.path("content");
      if (status.startsWith("4") || status.startsWith("5")) {
        if (!"#/components/schemas/Problem"
                .equals(
                    content
                        .path(OpenApiContract.PROBLEM_JSON)
                        .path("schema")
                        .path("$ref")
                        .asString(""))
            || content.size() != 1) {
          violations.add(
              where
                  + " "
                  + status
                  + ": a failure answers application/problem+json with the Problem schema");
        }
        continue;
      }
      content
          .properties()
          .forEach(
              media -> {
                if (!isRealSchema(media.getValue().path("schema"))) {
                  violations.add(where + " " + status + " " + media.getKey() + ": no real schema");
                }
                if (!hasExample(media.getValue())) {
                  violations.add(where + " " + status + " " + media.getKey() + ": no example");
                }
              });
      boolean processStart = status.equals("202") && path.startsWith("/api/internal/process/");
      if ((processStart || status.startsWith("3")) && !resolved.path("headers").has("Location")) {
        violations.add(where + " " + status + ": no Location header");
      }
    }
    JsonNode body = operation.path("requestBody");
    if (!body.isMissingNode()) {
      body.path("content")
          .properties()
          .forEach(
              media -> {
                if (!isRealSchema(media.getValue().path("schema"))) {
                  violations.add(where + " request " + media.getKey() + ": no real schema");
                }
                if (!hasExample(media.getValue())) {
                  violations.add(where + " request " + media.getKey() + ": no example");
                }
              });
      for (String status : List.of("400", "413")) {
        if (!statuses.contains(status)) {
          violations.add(where + ": takes a body but does not document " + status);
        }
      }
      if (body.path("content").size() == 1
          && body.path("content").has(JSON)
          && !statuses.contains("415")) {
        violations.add(where + ": takes JSON but does not document 415");
      }
    }
    if (!statuses.contains("503")) {
      violations.add(where + ": does not document 503");
    }
    boolean secured = false;
    for (JsonNode requirement : operation.path("security")) {
      secured |= requirement.has(OpenApiContract.DRIVER_TOKEN);
    }
    if (!DriverAuthenticationFilter.isOpen(path) && (!secured || !statuses.contains("401"))) {
      violations.add(
          where + ": needs a Driver token but does not declare the bearer scheme and its 401");
    }
    if (DriverAuthenticationFilter.isOpen(path) && secured) {
      violations.add(where + ": is open but declares the bearer scheme");
    }
  }

  private static JsonNode resolve(JsonNode document, JsonNode response) {
    String ref = response.path("$ref").asString("");
    return ref.startsWith("#/components/responses/")
        ? document
            .path("components")
            .path("responses")
            .path(ref.substring("#/components/responses/".length()))
        : response;
  }

  private static boolean isRealSchema(JsonNode schema) {
    return schema.isObject()
        && (schema.has("$ref")
            || schema.has("type")
            || schema.has("oneOf")
            || schema.has("anyOf")
            || schema.has("allOf")
            || schema.has("properties"));
  }

  private static boolean hasExample(JsonNode media) {
    return media.has("example")
        || (media.path("examples").isObject() && !media.path("examples").isEmpty());
  }

  @Test
  void schemasAreJsonNotJavaInternals() {
    JsonNode document = live();
    Set<String> schemas = new HashSet<>();
    document.path("components").path("schemas").propertyNames().forEach(schemas::add);
    assertThat(schemas)
        .doesNotContain(
            "JsonNode",
            "ObjectNode",
            "HttpHeaders",
            "MediaType",
            "ContentDisposition",
            "HttpMethod",
            "HttpRange")
        .contains("Problem", "FieldError", "ProcessRecord");
    String text = document.toString();
    assertThat(text)
        .doesNotContain("\"nodeType\"")
        .doesNotContain("\"containerNode\"")
        .doesNotContain("\"empty\":{\"type\":\"boolean\"");
    // The community's plugins' config is a JSON object of the plugin's own fields.
    JsonNode config =
        document
            .path("components")
            .path("schemas")
            .path("PluginView")
            .path("properties")
            .path("config");
    assertThat(config.path("type").asString()).isEqualTo("object");
    assertThat(config.path("additionalProperties").asBoolean(false)).isTrue();
    // Problems carry what ProblemAdvice writes, validation errors included.
    JsonNode problem =
        document.path("components").path("schemas").path("Problem").path("properties");
    assertThat(problem.propertyNames())
        .containsExactlyInAnyOrder(
            "type", "title", "status", "detail", "code", "instance", "errors");
  }

  @Test
  void documentationRoutesAreNotOperations() {
    JsonNode paths = live().path("paths");
    paths
        .propertyNames()
        .forEach(
            path ->
                assertThat(path)
                    .as("a documentation route in the document")
                    .doesNotStartWith("/redoc")
                    .doesNotStartWith("/swagger")
                    .doesNotStartWith("/v3/api-docs")
                    .doesNotStartWith("/codec")
                    .doesNotStartWith("/webjars"));
    assertThat(paths.has("/api/internal/community/{slug}")).isTrue();
  }

  @Test
  void statusesAreTheOnesTheCodeAnswers() {
    JsonNode paths = live().path("paths");
    JsonNode put = paths.path("/api/internal/community/{slug}").path("put").path("responses");
    assertThat(put.has("201")).as("201 on a new community").isTrue();
    assertThat(put.has("200")).as("200 on a replaced community").isTrue();
    JsonNode create = paths.path("/api/internal/community").path("post").path("responses");
    assertThat(create.path("201").path("headers").path("Location").path("required").asBoolean())
        .isTrue();
    assertThat(create.has("200")).isFalse();
    assertThat(
            paths
                .path("/api/internal/community/{slug}")
                .path("delete")
                .path("responses")
                .has("204"))
        .isTrue();
    JsonNode start =
        paths
            .path("/api/internal/process/randomness.delayed-stochastic-vote")
            .path("post")
            .path("responses");
    assertThat(start.path("202").path("headers").path("Location").path("required").asBoolean())
        .isTrue();
    assertThat(start.has("200")).isFalse();
    JsonNode action = paths.path("/api/internal/action/randomness.random-int").path("post");
    assertThat(action.path("responses").propertyNames())
        .contains("200", "400", "401", "404", "413", "415", "502", "504");
    assertThat(action.path("tags").toString())
        .contains("randomness")
        .contains(OpenApiContract.ACTIONS);
    assertThat(action.path("requestBody").path("content").path(JSON).path("example"))
        .isEqualTo(json("{\"parameters\": {\"low\": 1, \"high\": 6}}"));
  }

  /**
   * Every plugin operation's examples are valid input and output: the request examples pass the
   * same schema validation the API applies, and the answers' examples fit their schemas.
   */
  @Test
  void pluginExamplesFitTheirSchemas() {
    JsonNode paths = live().path("paths");
    List<String> violations = new ArrayList<>();
    for (Plugin plugin : registry.all()) {
      for (ActionSpec action : plugin.actions()) {
        JsonNode operation =
            paths.path("/api/internal/action/" + plugin.name() + "." + action.name()).path("post");
        JsonNode request = operation.path("requestBody").path("content").path(JSON).path("example");
        check(
            violations,
            plugin.name() + "." + action.name() + " request",
            action.inputSchema(),
            request.path("parameters"));
        check(
            violations,
            plugin.name() + "." + action.name() + " answer",
            action.outputSchema(),
            operation.path("responses").path("200").path("content").path(JSON).path("example"));
      }
      for (ProcessSpec process : plugin.processes()) {
        String qualified = plugin.name() + "." + process.name();
        JsonNode start = paths.path("/api/internal/process/" + qualified).path("post");
        ObjectNode request =
            (ObjectNode)
                start.path("requestBody").path("content").path(JSON).path("example").deepCopy();
        request.remove("callback_url");
        check(violations, qualified + " request", process.inputSchema(), request);
        JsonNode record =
            start.path("responses").path("202").path("content").path(JSON).path("example");
        check(
            violations,
            qualified + " record",
            OpenApiContract.processRecord(Json.parse("{\"type\": \"object\"}")),
            record);
      }
    }
    assertThat(violations).isEmpty();
  }

  private static void check(
      List<String> violations, String what, JsonNode schema, JsonNode example) {
    if (example.isMissingNode()) {
      violations.add(what + ": no example");
      return;
    }
    List<FieldError> errors = Schemas.validate(schema, example, "");
    if (!errors.isEmpty()) {
      violations.add(what + ": example " + example + " does not fit its schema: " + errors);
    }
  }

  /**
   * The committed document is the application's live document (the test context's plugins left
   * out).
   */
  @Test
  void theCommittedDocumentIsTheLiveOne() throws IOException {
    JsonNode production = withoutTestPlugins(live());
    String text =
        JsonMapper.builder()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .build()
                .writeValueAsString(production)
            + "\n";
    if (Boolean.getBoolean("openapi.rewrite")) {
      Files.writeString(COMMITTED, text, StandardCharsets.UTF_8);
    }
    assertThat(Json.parse(read(COMMITTED)))
        .as(
            COMMITTED.toAbsolutePath()
                + " differs from the live /v3/api-docs;"
                + " after a deliberate API change run this test with -Dopenapi.rewrite=true and commit the file")
        .isEqualTo(production);
  }

  private static JsonNode withoutTestPlugins(JsonNode live) {
    ObjectNode document = (ObjectNode) live.deepCopy();
    ObjectNode paths = (ObjectNode) document.get("paths");
    List<String> remove = new ArrayList<>();
    paths
        .properties()
        .forEach(
            path ->
                TEST_PLUGINS.forEach(
                    plugin -> {
                      if (path.getKey().startsWith("/api/internal/action/" + plugin + ".")
                          || path.getKey().startsWith("/api/internal/process/" + plugin + ".")) {
                        remove.add(path.getKey());
                      }
                    }));
    remove.forEach(paths::remove);
    tools.jackson.databind.node.ArrayNode tags =
        (tools.jackson.databind.node.ArrayNode) document.get("tags");
    for (int i = tags.size() - 1; i >= 0; i--) {
      if (TEST_PLUGINS.contains(tags.get(i).path("name").asString())) {
        tags.remove(i);
      }
    }
    return document;
  }

  private static String read(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + path.toAbsolutePath(), e);
    }
  }
}

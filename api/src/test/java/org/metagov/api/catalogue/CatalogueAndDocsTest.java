package org.metagov.api.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The plugin catalogue, the OpenAPI document generated from plugin schemas, Swagger UI and Redoc.
 */
class CatalogueAndDocsTest extends IntegrationTest {

  private static JsonNode named(JsonNode array, String name) {
    for (JsonNode item : array) {
      if (name.equals(item.path("name").asString())) {
        return item;
      }
    }
    throw new AssertionError("nothing named " + name + " in " + array);
  }

  private static List<String> names(JsonNode array) {
    List<String> names = new ArrayList<>();
    array.forEach(item -> names.add(item.path("name").asString()));
    return names;
  }

  @Test
  void pluginsListsEveryPluginWithItsSchemas() {
    Response response = get("/api/internal/plugins");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith(JSON);
    JsonNode plugins = response.json().path("plugins");
    assertThat(names(plugins)).contains("randomness", "sourcecred");

    JsonNode randomness = named(plugins, "randomness");
    assertThat(randomness.path("description").asString()).isNotBlank();
    assertThat(
            randomness
                .path("config_schema")
                .path("properties")
                .path("default_low")
                .path("default")
                .asInt())
        .isEqualTo(0);
    assertThat(
            randomness
                .path("config_schema")
                .path("properties")
                .path("default_high")
                .path("default")
                .asInt())
        .isEqualTo(100);
    assertThat(names(randomness.path("actions"))).contains("random-int", "set-lucky-number");
    JsonNode randomInt = named(randomness.path("actions"), "random-int");
    assertThat(randomInt.path("input_schema").path("properties").has("low")).isTrue();
    assertThat(randomInt.path("output_schema").path("required").get(0).asString())
        .isEqualTo("value");
    JsonNode vote = named(randomness.path("processes"), "delayed-stochastic-vote");
    assertThat(vote.path("input_schema").path("required").get(0).asString()).isEqualTo("options");
    assertThat(vote.path("outcome_schema").path("properties").has("winner")).isTrue();
    assertThat(vote.path("closable_early").asBoolean()).isTrue();

    JsonNode sourcecred = named(plugins, "sourcecred");
    assertThat(sourcecred.path("config_schema").path("required").get(0).asString())
        .isEqualTo("server_url");
    assertThat(names(sourcecred.path("actions"))).contains("user-cred", "total-cred");
    assertThat(
            named(sourcecred.path("actions"), "user-cred")
                .path("input_schema")
                .path("properties")
                .has("username"))
        .isTrue();
  }

  @Test
  void metadataOfOnePlugin() {
    Response response = get("/api/internal/plugin/sourcecred/metadata");
    assertThat(response.status()).isEqualTo(200);
    JsonNode sourcecred = response.json();
    assertThat(sourcecred.path("name").asString()).isEqualTo("sourcecred");
    assertThat(sourcecred.path("config_schema").path("properties").has("server_url")).isTrue();
    assertThat(names(sourcecred.path("actions")))
        .containsExactlyInAnyOrder("user-cred", "total-cred");
    assertThat(sourcecred.path("processes").isArray()).isTrue();
    assertThat(sourcecred.path("event_types").isArray()).isTrue();
    // The catalogue shows that a field is secret (writeOnly), which is how Drivers learn it reads
    // as ********.
    JsonNode secretive = get("/api/internal/plugin/secretive/metadata").json();
    assertThat(
            secretive
                .path("config_schema")
                .path("properties")
                .path("api_key")
                .path("writeOnly")
                .asBoolean())
        .isTrue();
  }

  @Test
  void gitHubsActionsProcessesAndEventsAreCataloguedAndDocumented() {
    JsonNode github = named(get("/api/internal/plugins").json().path("plugins"), "github");
    assertThat(names(github.path("actions")))
        .containsExactlyInAnyOrder("get-installation", "create-issue", "method");
    assertThat(named(github.path("actions"), "create-issue").path("input_schema").path("required"))
        .extracting(JsonNode::asString)
        .containsExactly("repo_name", "title");
    assertThat(
            named(github.path("actions"), "method")
                .path("input_schema")
                .path("properties")
                .path("method")
                .path("enum"))
        .extracting(JsonNode::asString)
        .containsExactly("GET", "POST", "PATCH", "PUT", "DELETE");
    assertThat(names(github.path("processes")))
        .containsExactlyInAnyOrder("issue-react-vote", "issue-comment-vote");
    for (String process : List.of("issue-react-vote", "issue-comment-vote")) {
      JsonNode spec = named(github.path("processes"), process);
      assertThat(spec.path("closable_early").asBoolean()).as(process).isTrue();
      assertThat(
              spec.path("input_schema")
                  .path("properties")
                  .path("max_votes")
                  .path("type")
                  .asString())
          .as(process)
          .isEqualTo("integer");
      assertThat(spec.path("input_schema").path("required"))
          .extracting(JsonNode::asString)
          .containsExactly("repo_name", "question");
      assertThat(spec.path("outcome_schema").path("properties").has("votes")).as(process).isTrue();
    }
    assertThat(
            named(github.path("processes"), "issue-react-vote")
                .path("outcome_schema")
                .path("properties")
                .path("result")
                .path("enum"))
        .extracting(JsonNode::asString)
        .containsExactly("pass", "fail", "tie");
    // The gateway named GitHub's webhooks "<action> <event>".
    assertThat(github.path("event_types"))
        .extracting(JsonNode::asString)
        .contains(
            "opened issues",
            "closed issues",
            "created issue_comment",
            "opened pull_request",
            "push",
            "created installation",
            "deleted installation",
            "suspend installation",
            "unsuspend installation");
    assertThat(
            github
                .path("config_schema")
                .path("properties")
                .path("installation_proof")
                .path("writeOnly")
                .asBoolean())
        .isTrue();

    JsonNode paths = get("/v3/api-docs").json().path("paths");
    for (String action :
        List.of("github.get-installation", "github.create-issue", "github.method")) {
      JsonNode post = paths.path("/api/internal/action/" + action).path("post");
      assertThat(post.isObject()).as("POST operation for " + action).isTrue();
      assertThat(post.path("parameters").toString()).contains("X-Metagov-Community");
    }
    assertThat(
            paths
                .path("/api/internal/action/github.create-issue")
                .path("post")
                .path("requestBody")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("properties")
                .path("parameters")
                .path("properties")
                .has("repo_name"))
        .isTrue();
    for (String process : List.of("github.issue-react-vote", "github.issue-comment-vote")) {
      JsonNode start = paths.path("/api/internal/process/" + process).path("post");
      assertThat(start.path("responses").has("202")).as(process).isTrue();
      assertThat(
              start
                  .path("requestBody")
                  .path("content")
                  .path("application/json")
                  .path("schema")
                  .path("properties")
                  .has("max_votes"))
          .as(process)
          .isTrue();
      assertThat(paths.path("/api/internal/process/" + process + "/{id}").has("delete"))
          .as(process + " closable early")
          .isTrue();
    }
  }

  @Test
  void discordsActionsProcessesAndEventsAreListed() {
    JsonNode discord = named(get("/api/internal/plugins").json().path("plugins"), "discord");
    assertThat(names(discord.path("actions")))
        .containsExactly("post-message", "get-guild", "register-guild-command", "method");
    assertThat(names(discord.path("processes"))).containsExactly("vote");
    assertThat(named(discord.path("processes"), "vote").path("closable_early").asBoolean())
        .isTrue();
    assertThat(discord.path("event_types").toString()).contains("\"slash_command\"");
    JsonNode paths = get("/v3/api-docs").json().path("paths");
    for (String action : List.of("post-message", "get-guild", "register-guild-command", "method")) {
      assertThat(paths.path("/api/internal/action/discord." + action).path("post").isObject())
          .as(action)
          .isTrue();
    }
    assertThat(
            paths
                .path("/api/internal/process/discord.vote")
                .path("post")
                .path("requestBody")
                .toString())
        .contains("poll_type");
    assertThat(paths.path("/api/internal/process/discord.vote/{id}").has("delete")).isTrue();
  }

  @Test
  void metadataOfAnUnknownPluginIs404() {
    assertProblem(get("/api/internal/plugin/nope/metadata"), 404, "plugin_not_found");
  }

  @Test
  void openApiHasAnOperationPerActionAndProcess() {
    Response response = get("/v3/api-docs");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode paths = response.json().path("paths");
    for (String action :
        List.of(
            "randomness.random-int",
            "randomness.set-lucky-number",
            "sourcecred.user-cred",
            "sourcecred.total-cred")) {
      JsonNode post = paths.path("/api/internal/action/" + action).path("post");
      assertThat(post.isObject()).as("POST operation for " + action).isTrue();
      assertThat(post.path("responses").has("200")).isTrue();
      assertThat(post.path("parameters").toString()).contains("X-Metagov-Community");
    }
    JsonNode randomInt = paths.path("/api/internal/action/randomness.random-int").path("post");
    assertThat(
            randomInt
                .path("requestBody")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("properties")
                .path("parameters")
                .path("properties")
                .has("high"))
        .as(randomInt.toString())
        .isTrue();

    JsonNode start =
        paths.path("/api/internal/process/randomness.delayed-stochastic-vote").path("post");
    assertThat(start.path("responses").has("202")).isTrue();
    assertThat(
            start
                .path("requestBody")
                .path("content")
                .path("application/json")
                .path("schema")
                .path("properties")
                .has("options"))
        .isTrue();
    JsonNode record = paths.path("/api/internal/process/randomness.delayed-stochastic-vote/{id}");
    assertThat(record.has("get")).isTrue();
    assertThat(record.has("delete")).as("closable early").isTrue();

    // The generic action mapping is hidden in favour of the per-action operations; the community
    // API is there.
    assertThat(paths.has("/api/internal/action/{qualifiedName}")).isFalse();
    assertThat(paths.has("/api/internal/community/{slug}")).isTrue();
  }

  @Test
  void swaggerUiIsReachable() {
    Response redirect = get("/swagger");
    String location = redirect.status() / 100 == 3 ? redirect.header("Location") : "/swagger";
    assertThat(location).isNotNull();
    Response page =
        get(location.startsWith("http") ? java.net.URI.create(location).getRawPath() : location);
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.body()).containsIgnoringCase("swagger");
    Response config = get("/v3/api-docs/swagger-config");
    assertThat(config.status()).isEqualTo(200);
  }

  @Test
  void redocIsServedFromTheJarWithoutACdn() {
    Response page = get("/redoc");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.body()).contains("spec-url=\"/v3/api-docs\"");
    Matcher script = Pattern.compile("<script src=\"([^\"]+)\"").matcher(page.body());
    assertThat(script.find()).as(page.body()).isTrue();
    String src = script.group(1);
    assertThat(src).startsWith("/webjars/redoc/").endsWith("redoc.standalone.js");
    Response js = get(src);
    assertThat(js.status()).isEqualTo(200);
    assertThat(js.body().length()).isGreaterThan(100_000);
  }
}

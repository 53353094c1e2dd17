package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.metagov.api.process.ProcessTestSupport;
import org.metagov.api.testplugins.TeardownProbePlugin;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's community and plugin calls as a gateway-era Driver (PolicyKit's Metagov client)
 * makes them: {@code slug} in community bodies and answers, plugin objects with their read-only
 * {@code id}, {@code community} and {@code auth_type}, plugins enabled and disabled one at a time,
 * and the integrity of each: replays, races, collisions and refused input that changes nothing.
 */
class GatewayPluginApiTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";

  @Autowired private JdbcClient jdbc;

  private static String community(String slug) {
    return "/api/internal/community/" + slug;
  }

  private static String plugin(String name) {
    return "/api/internal/plugin/" + name;
  }

  private Response enable(String slug, String name, String config) {
    return send("POST", plugin(name), config, COMMUNITY_HEADER, slug);
  }

  /** The stored plugin rows of a community, as text, to prove what a refused request left alone. */
  private List<String> storedPlugins(String slug) {
    return jdbc.sql(
            "select id || ' ' || plugin_name || ' ' || config::text from community_plugin where community_slug = ? order by plugin_name")
        .param(slug)
        .query(String.class)
        .list();
  }

  private String storedCommunity(String slug) {
    return jdbc.sql("select slug || ' ' || readable_name from community where slug = ?")
        .param(slug)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  @Test
  void aPutWithTheGatewaysSlugKeyCreatesTheCommunityAndEveryAnswerCarriesTheSlug() {
    String slug = uniqueSlug("gw-put");
    Response created =
        put(
            community(slug),
            "{\"slug\": \"" + slug + "\", \"readable_name\": \"Gateway town\", \"plugins\": []}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().path("slug").asString()).isEqualTo(slug);
    assertThat(created.json().path("name").asString()).isEqualTo(slug);
    assertThat(get(community(slug)).json().path("slug").asString()).isEqualTo(slug);
    assertThat(storedCommunity(slug)).isEqualTo(slug + " Gateway town");
  }

  @Test
  void aPutWhoseSlugDiffersFromThePathIs400AndChangesNothing() {
    String slug = uniqueSlug("gw-put-mismatch");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_high\": 6}}]");
    List<String> before = storedPlugins(slug);

    JsonNode problem =
        assertProblem(
            put(
                community(slug),
                "{\"slug\": \"another-one\", \"readable_name\": \"Changed\", \"plugins\": []}"),
            400,
            "name_mismatch");
    assertThat(errorPaths(problem)).containsExactly("slug");
    assertThat(storedPlugins(slug)).isEqualTo(before);
    assertThat(storedCommunity(slug)).isEqualTo(slug + " Test " + slug);
    assertThat(storedCommunity("another-one")).isNull();
  }

  @Test
  void aPostWithAChosenSlugCreatesItAndASlugThatIsTakenIs409WithTheOtherCommunityUntouched() {
    String slug = uniqueSlug("gw-post");
    Response created =
        post(
            "/api/internal/community",
            "{\"slug\": \""
                + slug
                + "\", \"readable_name\": \"First\", \"plugins\": [{\"name\": \"randomness\"}]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo(community(slug));
    assertThat(created.json().path("slug").asString()).isEqualTo(slug);
    List<String> before = storedPlugins(slug);
    assertThat(before).hasSize(1);

    assertProblem(
        post(
            "/api/internal/community",
            "{\"slug\": \"" + slug + "\", \"readable_name\": \"Squatter\", \"plugins\": []}"),
        409,
        "community_exists");
    assertThat(storedCommunity(slug)).isEqualTo(slug + " First");
    assertThat(storedPlugins(slug)).isEqualTo(before);
  }

  @Test
  void aPostWithoutASlugGetsAGeneratedOneAsPolicyKitCreatesItsCommunities() {
    Response created =
        post("/api/internal/community", "{\"readable_name\": \"No slug\", \"plugins\": []}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String slug = created.json().path("slug").asString();
    assertThat(slug).isNotBlank().isEqualTo(created.json().path("name").asString());
    assertThat(storedCommunity(slug)).isEqualTo(slug + " No slug");
  }

  @Test
  void pluginObjectsCarryTheGatewaysReadOnlyFieldsAndAcceptThemBackWhenConsistent() {
    String slug = uniqueSlug("gw-readonly");
    JsonNode created =
        putCommunity(
            slug,
            "[{\"name\": \"randomness\", \"config\": {\"default_high\": 6}}, {\"name\": \"loomio\", \"config\": {\"api_key\": \"k-1\"}}]");
    JsonNode loomio = created.path("plugins").get(0);
    JsonNode randomness = created.path("plugins").get(1);
    assertThat(loomio.path("name").asString()).isEqualTo("loomio");
    assertThat(loomio.path("community").asString()).isEqualTo(slug);
    assertThat(loomio.path("auth_type").asString()).isEqualTo("api_key");
    assertThat(randomness.path("auth_type").asString()).isEqualTo("none");
    assertThat(loomio.path("id").isIntegralNumber()).isTrue();
    assertThat(randomness.path("id").asLong()).isNotEqualTo(loomio.path("id").asLong());

    // PolicyKit sends the plugin objects it read back in its PUT, secrets redacted, read-only
    // fields and all.
    String roundTrip =
        "{\"slug\": \""
            + slug
            + "\", \"readable_name\": \"Again\", \"plugins\": "
            + created.path("plugins")
            + "}";
    Response again = put(community(slug), roundTrip);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().path("plugins")).isEqualTo(created.path("plugins"));
    assertThat(storedPlugins(slug))
        .anySatisfy(row -> assertThat(row).startsWith(loomio.path("id").asLong() + " loomio "));
  }

  @Test
  void inconsistentReadOnlyFieldsAre400AndChangeNothing() {
    String slug = uniqueSlug("gw-readonly-bad");
    JsonNode created =
        putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_high\": 6}}]");
    long id = created.path("plugins").get(0).path("id").asLong();
    List<String> before = storedPlugins(slug);

    JsonNode wrongId =
        assertProblem(
            put(
                community(slug),
                "{\"slug\": \""
                    + slug
                    + "\", \"plugins\": [{\"name\": \"randomness\", \"id\": "
                    + (id + 1000)
                    + ", \"config\": {\"default_high\": 9}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(wrongId)).containsExactly("plugins[0].id");
    JsonNode wrongCommunity =
        assertProblem(
            put(
                community(slug),
                "{\"slug\": \""
                    + slug
                    + "\", \"plugins\": [{\"name\": \"randomness\", \"community\": \"elsewhere\", \"config\": {}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(wrongCommunity)).containsExactly("plugins[0].community");
    JsonNode wrongAuth =
        assertProblem(
            put(
                community(slug),
                "{\"slug\": \""
                    + slug
                    + "\", \"plugins\": [{\"name\": \"randomness\", \"auth_type\": \"oauth\", \"config\": {}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(wrongAuth)).containsExactly("plugins[0].auth_type");
    JsonNode idOfNothing =
        assertProblem(
            put(
                community(slug),
                "{\"slug\": \""
                    + slug
                    + "\", \"plugins\": [{\"name\": \"randomness\", \"id\": "
                    + id
                    + "}, {\"name\": \"sourcecred\", \"id\": "
                    + id
                    + ", \"config\": {\"server_url\": \"http://127.0.0.1:9/\"}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(idOfNothing)).containsExactly("plugins[1].id");

    assertThat(storedPlugins(slug)).isEqualTo(before);
  }

  @Test
  void postPluginEnablesWith201ThenAReplayIs200WithTheSamePluginAndId() {
    String slug = uniqueSlug("gw-enable");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");

    Response enabled = enable(slug, "sourcecred", "{\"server_url\": \"http://127.0.0.1:9/\"}");
    assertThat(enabled.status()).as(enabled.body()).isEqualTo(201);
    JsonNode plugin = enabled.json();
    assertThat(plugin.path("name").asString()).isEqualTo("sourcecred");
    assertThat(plugin.path("community").asString()).isEqualTo(slug);
    assertThat(plugin.path("auth_type").asString()).isEqualTo("none");
    assertThat(plugin.path("config")).isEqualTo(json("{\"server_url\": \"http://127.0.0.1:9/\"}"));
    long id = plugin.path("id").asLong();

    Response replay = enable(slug, "sourcecred", "{\"server_url\": \"http://127.0.0.1:9/\"}");
    assertThat(replay.status()).as(replay.body()).isEqualTo(200);
    assertThat(replay.json()).isEqualTo(plugin);
    assertThat(storedPlugins(slug))
        .hasSize(2)
        .filteredOn(row -> row.contains(" sourcecred "))
        .containsExactly(id + " sourcecred {\"server_url\": \"http://127.0.0.1:9/\"}");

    // The other plugin is left as it was, and the community reads the plugin as the POST answered
    // it.
    JsonNode read = get(community(slug)).json();
    assertThat(read.path("plugins")).hasSize(2);
    assertThat(read.path("plugins").get(1)).isEqualTo(plugin);
    assertThat(read.path("plugins").get(0).path("name").asString()).isEqualTo("randomness");
  }

  @Test
  void reconfiguringKeepsTheIdAndTheStoredSecretWhileDisableThenEnableDrawsANewId() {
    String slug = uniqueSlug("gw-reconfigure");
    putCommunity(slug, "[]");
    String probe = TeardownProbePlugin.NAME;
    Response enabled = enable(slug, probe, "{\"token\": \"probe-secret-1\"}");
    assertThat(enabled.status()).as(enabled.body()).isEqualTo(201);
    assertThat(enabled.json().path("config").path("token").asString()).isEqualTo("********");
    assertThat(enabled.json().path("auth_type").asString()).isEqualTo("api_key");
    long id = enabled.json().path("id").asLong();

    // A gateway Driver sends the config it read back; the redacted secret keeps the stored value.
    Response reconfigured = enable(slug, probe, "{\"token\": \"********\"}");
    assertThat(reconfigured.status()).as(reconfigured.body()).isEqualTo(200);
    assertThat(reconfigured.json().path("id").asLong()).isEqualTo(id);
    assertThat(enable(slug, probe, "{\"token\": \"probe-secret-2\"}").json().path("id").asLong())
        .isEqualTo(id);

    assertThat(delete(plugin(probe) + "/" + id).status()).isEqualTo(204);
    assertThat(get(community(slug)).json().path("plugins")).isEmpty();
    assertThat(storedPlugins(slug)).isEmpty();
    // The disabled plugin is torn down like one a PUT drops, with the secret it last had.
    await().atMost(Duration.ofSeconds(20)).until(() -> !TeardownProbePlugin.of(slug).isEmpty());
    assertThat(TeardownProbePlugin.of(slug))
        .singleElement()
        .satisfies(t -> assertThat(t.secret()).isEqualTo("probe-secret-2"));

    Response again = enable(slug, probe, "{\"token\": \"probe-secret-3\"}");
    assertThat(again.status()).isEqualTo(201);
    assertThat(again.json().path("id").asLong()).isNotEqualTo(id);
    assertProblem(delete(plugin(probe) + "/" + id), 404, "plugin_not_found");
  }

  @Test
  void postPluginWithABadConfigIs400AndChangesNothing() {
    String slug = uniqueSlug("gw-enable-bad");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_high\": 6}}]");
    List<String> before = storedPlugins(slug);

    JsonNode problem =
        assertProblem(
            enable(slug, "randomness", "{\"default_high\": \"six\"}"), 400, "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("config.default_high");
    assertProblem(enable(slug, "sourcecred", "{\"server_url\": 7}"), 400, "validation_failed");
    assertProblem(enable(slug, "randomness", "[1, 2]"), 400, "validation_failed");
    assertProblem(enable(slug, "no-such-plugin", "{}"), 404, "plugin_not_found");
    assertProblem(send("POST", plugin("randomness"), "{}"), 400, "missing_community_header");
    assertProblem(enable(uniqueSlug("gw-nobody"), "randomness", "{}"), 404, "community_not_found");

    assertThat(storedPlugins(slug)).isEqualTo(before);
  }

  @Test
  void deletingAPluginWithOpenProcessesIs409AndChangesNothingUntilTheyEnd() {
    String slug = uniqueSlug("gw-disable-open");
    long id =
        putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]")
            .path("plugins")
            .get(0)
            .path("id")
            .asLong();
    String location =
        started(slug, VOTE, "{\"options\": [\"a\"], \"delay\": " + delayMinutes(60) + "}");
    List<String> before = storedPlugins(slug);

    JsonNode problem =
        assertProblem(delete(plugin("randomness") + "/" + id), 409, "plugin_has_open_processes");
    assertThat(problem.path("detail").asString()).contains("randomness");
    assertThat(storedPlugins(slug)).isEqualTo(before);

    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
    assertThat(delete(plugin("randomness") + "/" + id).status()).isEqualTo(204);
    assertThat(storedPlugins(slug)).isEmpty();
  }

  @Test
  void deletingAPluginByAnIdOfAnotherPluginOrNoneIs404() {
    String slug = uniqueSlug("gw-disable-wrong");
    long id =
        putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]")
            .path("plugins")
            .get(0)
            .path("id")
            .asLong();
    List<String> before = storedPlugins(slug);

    assertProblem(delete(plugin("sourcecred") + "/" + id), 404, "plugin_not_found");
    assertProblem(delete(plugin("randomness") + "/" + (id + 100000)), 404, "plugin_not_found");
    assertThat(storedPlugins(slug)).isEqualTo(before);
  }

  @Test
  void racingPostsOfTheSamePluginLeaveOnePluginThatEveryAnswerNames() throws Exception {
    String slug = uniqueSlug("gw-race");
    putCommunity(slug, "[]");
    int racers = 6;
    ExecutorService pool = Executors.newFixedThreadPool(racers);
    try {
      List<Callable<Response>> calls = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        calls.add(() -> enable(slug, "randomness", "{\"default_low\": 1, \"default_high\": 6}"));
      }
      List<Response> answers = new ArrayList<>();
      for (Future<Response> future : pool.invokeAll(calls)) {
        answers.add(future.get());
      }
      assertThat(answers).extracting(Response::status).containsOnly(200, 201).containsOnlyOnce(201);
      assertThat(answers)
          .extracting(answer -> answer.json().path("id").asLong())
          .containsOnly(answers.get(0).json().path("id").asLong());
      assertThat(storedPlugins(slug))
          .singleElement()
          .asString()
          .isEqualTo(
              answers.get(0).json().path("id").asLong()
                  + " randomness {\"default_low\": 1, \"default_high\": 6}");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void pluginSchemasListsEveryPluginsConfigSchemaByName() {
    Response response = get("/api/internal/plugin-schemas");
    assertThat(response.status()).isEqualTo(200);
    JsonNode schemas = response.json();
    JsonNode plugins = get("/api/internal/plugins").json().path("plugins");
    assertThat(schemas.size()).isEqualTo(plugins.size());
    plugins.forEach(
        p ->
            assertThat(schemas.path(p.path("name").asString())).isEqualTo(p.path("config_schema")));
    assertThat(schemas.path("sourcecred").path("required").toString()).contains("server_url");
  }

  @Test
  void metadataCarriesTheGatewaysKeysBesideTodays() {
    JsonNode metadata = get("/api/internal/plugin/sourcecred/metadata").json();
    assertThat(metadata.path("name").asString()).isEqualTo("sourcecred");
    assertThat(metadata.path("config_schema").isObject()).isTrue();
    assertThat(metadata.path("auth_type").asString()).isEqualTo("none");
    assertThat(metadata.path("uses_webhook").asBoolean(true)).isFalse();
    JsonNode schemas = metadata.path("schemas");
    assertThat(schemas.path("config")).isEqualTo(metadata.path("config_schema"));
    assertThat(schemas.path("actions"))
        .extracting(a -> a.path("id").asString())
        .containsExactly("sourcecred.user-cred", "sourcecred.total-cred");
    assertThat(schemas.path("actions").get(0).path("parameters_schema"))
        .isEqualTo(metadata.path("actions").get(0).path("input_schema"));
    assertThat(schemas.path("actions").get(0).path("response_schema"))
        .isEqualTo(metadata.path("actions").get(0).path("output_schema"));

    JsonNode discourse = get("/api/internal/plugin/discourse/metadata").json();
    assertThat(discourse.path("auth_type").asString()).isEqualTo("api_key");
    assertThat(discourse.path("uses_webhook").asBoolean()).isTrue();
    assertThat(discourse.path("schemas").path("processes").get(0).path("id").asString())
        .isEqualTo("discourse.poll");
    assertThat(discourse.path("schemas").path("events"))
        .extracting(e -> e.path("event_type").asString())
        .contains("post_created", "topic_created");
    assertThat(discourse.path("schemas").path("events").get(0).path("source").asString())
        .isEqualTo("discourse");
  }

  @Test
  void theRootLeadsToTheApiDocumentation() {
    Response response = get("/");
    assertThat(response.status()).isEqualTo(302);
    assertThat(response.header("Location")).endsWith("/redoc");
    assertThat(get("/redoc").status()).isEqualTo(200);
  }
}

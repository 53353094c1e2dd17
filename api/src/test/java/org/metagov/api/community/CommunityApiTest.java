package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * The community half of the Driver API: PUT/GET/DELETE/POST, validation, atomicity, defaults and
 * hooks.
 */
class CommunityApiTest extends IntegrationTest {

  private static String path(String slug) {
    return "/api/internal/community/" + slug;
  }

  @Test
  void putCreatesWith201ThenTheSamePutUpdatesWith200() {
    String slug = uniqueSlug("create");
    String body =
        "{\"name\": \""
            + slug
            + "\", \"readable_name\": \"Our Town\", \"plugins\": [{\"name\": \"randomness\", \"config\": {\"default_low\": 3}}]}";

    Response created = put(path(slug), body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.contentType()).startsWith(JSON);
    assertThat(created.json().path("name").asString()).isEqualTo(slug);
    assertThat(created.json().path("readable_name").asString()).isEqualTo("Our Town");

    Response again = put(path(slug), body);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json()).isEqualTo(created.json());

    Response read = get(path(slug));
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.json()).isEqualTo(created.json());
    assertThat(read.json().path("plugins").get(0).path("config"))
        .isEqualTo(json("{\"default_low\": 3, \"default_high\": 100}"));
  }

  @Test
  void putReplacesThePluginSetAndTheReadableName() {
    String slug = uniqueSlug("replace");
    putCommunity(
        slug,
        "[{\"name\": \"randomness\", \"config\": {}}, {\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9/\"}}]");

    Response response =
        put(
            path(slug),
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"Renamed\", \"plugins\": [{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:10/\"}}]}");
    assertThat(response.status()).isEqualTo(200);

    JsonNode read = get(path(slug)).json();
    assertThat(read.path("readable_name").asString()).isEqualTo("Renamed");
    assertThat(read.path("plugins")).hasSize(1);
    assertThat(read.path("plugins").get(0).path("name").asString()).isEqualTo("sourcecred");
    assertThat(read.path("plugins").get(0).path("config").path("server_url").asString())
        .isEqualTo("http://127.0.0.1:10/");

    assertThat(put(path(slug), "{\"name\": \"" + slug + "\", \"plugins\": []}").status())
        .isEqualTo(200);
    assertThat(get(path(slug)).json().path("plugins")).isEmpty();
  }

  @Test
  void emptyRandomnessConfigReadsBackWithItsDefaults() {
    String slug = uniqueSlug("defaults");
    JsonNode community = putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    JsonNode expected = json("{\"default_low\": 0, \"default_high\": 100}");
    assertThat(community.path("plugins").get(0).path("config")).isEqualTo(expected);
    assertThat(get(path(slug)).json().path("plugins").get(0).path("config")).isEqualTo(expected);

    // A plugin entry without config at all gets the defaults too.
    String other = uniqueSlug("defaults");
    assertThat(
            putCommunity(other, "[{\"name\": \"randomness\"}]")
                .path("plugins")
                .get(0)
                .path("config"))
        .isEqualTo(expected);
  }

  @Test
  void bodyNameThatDiffersFromThePathSlugIs400NameMismatch() {
    String slug = uniqueSlug("mismatch");
    Response response = put(path(slug), "{\"name\": \"someone-else\", \"plugins\": []}");
    JsonNode problem = assertProblem(response, 400, "name_mismatch");
    assertThat(errorPaths(problem)).containsExactly("name");
    assertThat(get(path(slug)).status()).isEqualTo(404);
  }

  @Test
  void malformedJsonIs400MalformedJson() {
    String slug = uniqueSlug("malformed");
    assertProblem(put(path(slug), "{\"name\": \"" + slug + "\", "), 400, "malformed_json");
    assertProblem(put(path(slug), "{name: nope}"), 400, "malformed_json");
    assertThat(get(path(slug)).status()).isEqualTo(404);
  }

  @Test
  void schemaViolationsNameTheFailingFields() {
    String slug = uniqueSlug("schema");
    JsonNode problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"randomness\", \"config\": {}},"
                    + "{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}},"
                    + "{\"name\": \"secretive\", \"config\": {\"api_key\": \"k\", \"colour\": \"red\"}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[2].config.colour");

    problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}},"
                    + "{\"name\": \"secretive\", \"config\": {\"api_key\": \"k\"}},"
                    + "{\"name\": \"randomness\", \"config\": {\"default_low\": \"zero\"}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[2].config.default_low");

    // A missing required config field, and several failures at once.
    problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"sourcecred\", \"config\": {}},"
                    + "{\"name\": \"randomness\", \"config\": {\"default_high\": 1.5}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem))
        .containsExactlyInAnyOrder(
            "plugins[0].config.server_url", "plugins[1].config.default_high");

    // The request's own shape.
    problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": {}, \"readable_name\": 7, \"extra\": true}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).contains("plugins", "readable_name", "extra");
    problem =
        assertProblem(
            put(path(slug), "{\"name\": \"" + slug + "\", \"plugins\": [{\"config\": {}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].name");
    assertProblem(put(path(slug), "[]"), 400, "validation_failed");
    assertProblem(put(path(slug), "null"), 400, "validation_failed");

    // Integers beyond what can be read exactly are refused, not stored (they used to answer 500 on
    // use).
    problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": [{\"name\": \"randomness\", \"config\": {\"default_low\": 99999999999999999999999}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].config.default_low");

    assertThat(get(path(slug)).status()).isEqualTo(404);
  }

  @Test
  void invalidSlugInThePathIs400ForPutAnd404ForGet() {
    JsonNode problem =
        assertProblem(put(path("bad%20slug"), "{\"plugins\": []}"), 400, "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("name");
    assertProblem(put(path("-leading-dash"), "{\"plugins\": []}"), 400, "validation_failed");
    assertProblem(get(path("bad%20slug")), 404, "community_not_found");
  }

  @Test
  void unknownPluginNameIs400WithThePathOfItsName() {
    String slug = uniqueSlug("unknown-plugin");
    JsonNode problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"randomness\", \"config\": {}}, {\"name\": \"no-such-plugin\", \"config\": {}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[1].name");
    assertThat(problem.path("detail").asString()).contains("no-such-plugin");

    problem =
        assertProblem(
            put(
                path(slug),
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"randomness\"}, {\"name\": \"randomness\"}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[1].name");
    assertThat(get(path(slug)).status()).isEqualTo(404);
  }

  @Test
  void aPutWhoseThirdPluginConfigIsBadChangesNothing() {
    String slug = uniqueSlug("atomic");
    Response first =
        put(
            path(slug),
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"Before\", \"plugins\": ["
                + "{\"name\": \"randomness\", \"config\": {\"default_low\": 5, \"default_high\": 6}}]}");
    assertThat(first.status()).isEqualTo(201);
    JsonNode before = get(path(slug)).json();

    Response bad =
        put(
            path(slug),
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"After\", \"plugins\": ["
                + "{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}},"
                + "{\"name\": \"secretive\", \"config\": {\"api_key\": \"k\"}},"
                + "{\"name\": \"randomness\", \"config\": {\"default_low\": \"low\"}}]}");
    assertThat(errorPaths(assertProblem(bad, 400, "validation_failed")))
        .containsExactly("plugins[2].config.default_low");

    JsonNode after = get(path(slug)).json();
    assertThat(after).isEqualTo(before);
    assertThat(after.path("readable_name").asString()).isEqualTo("Before");
    assertThat(after.path("plugins")).hasSize(1);
    assertThat(after.path("plugins").get(0).path("config"))
        .isEqualTo(json("{\"default_low\": 5, \"default_high\": 6}"));
    // The plugin that was not enabled stays not enabled.
    assertProblem(action(slug, "sourcecred.total-cred", null), 400, "plugin_not_enabled");
  }

  @Test
  void aFailedFirstPutLeavesNoCommunity() {
    String slug = uniqueSlug("atomic-new");
    assertProblem(
        put(
            path(slug),
            "{\"name\": \""
                + slug
                + "\", \"plugins\": ["
                + "{\"name\": \"randomness\", \"config\": {}},"
                + "{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}},"
                + "{\"name\": \"randomness-typo\", \"config\": {}}]}"),
        400,
        "validation_failed");
    assertProblem(get(path(slug)), 404, "community_not_found");
    assertProblem(get(path(slug) + "/hooks"), 404, "community_not_found");
  }

  @Test
  void getOfAnUnknownCommunityIs404() {
    JsonNode problem = assertProblem(get(path(uniqueSlug("ghost"))), 404, "community_not_found");
    assertThat(problem.path("instance").asString()).startsWith("/api/internal/community/ghost-");
  }

  @Test
  void deleteIs204ThenTheCommunityIsGone() {
    String slug = uniqueSlug("delete");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    Response deleted = delete(path(slug));
    assertThat(deleted.status()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertProblem(get(path(slug)), 404, "community_not_found");
    assertProblem(delete(path(slug)), 404, "community_not_found");
    assertProblem(action(slug, "randomness.random-int", null), 404, "community_not_found");
    // The slug can be used again, and starts empty.
    assertThat(put(path(slug), "{\"plugins\": []}").status()).isEqualTo(201);
    assertThat(get(path(slug)).json().path("plugins")).isEmpty();
  }

  @Test
  void deleteOfAnUnknownCommunityIs404() {
    assertProblem(delete(path(uniqueSlug("never"))), 404, "community_not_found");
  }

  @Test
  void postWithANameCreatesThatCommunity() {
    String slug = uniqueSlug("post");
    Response created =
        post(
            "/api/internal/community",
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"Posted\", \"plugins\": [{\"name\": \"randomness\", \"config\": {}}]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo("/api/internal/community/" + slug);
    assertThat(created.json().path("name").asString()).isEqualTo(slug);
    assertThat(created.json().path("plugins").get(0).path("config").path("default_high").asInt())
        .isEqualTo(100);
    assertThat(get(path(slug)).json()).isEqualTo(created.json());

    Response again =
        post(
            "/api/internal/community",
            "{\"name\": \"" + slug + "\", \"readable_name\": \"Other\"}");
    assertProblem(again, 409, "community_exists");
    assertThat(get(path(slug)).json().path("readable_name").asString()).isEqualTo("Posted");
  }

  @Test
  void postWithoutANameGeneratesASlug() {
    Response first =
        post(
            "/api/internal/community",
            "{\"readable_name\": \"Anonymous\", \"plugins\": [{\"name\": \"randomness\"}]}");
    Response second = post("/api/internal/community", "{}");
    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(201);
    String slug = first.json().path("name").asString();
    assertThat(slug).matches(CommunityService.SLUG.pattern());
    assertThat(second.json().path("name").asString()).isNotEqualTo(slug);
    assertThat(first.header("Location")).isEqualTo("/api/internal/community/" + slug);
    JsonNode read = get(path(slug)).json();
    assertThat(read.path("readable_name").asString()).isEqualTo("Anonymous");
    assertThat(read.path("plugins").get(0).path("name").asString()).isEqualTo("randomness");
  }

  @Test
  void postWithABadPluginCreatesNothing() {
    String slug = uniqueSlug("post-bad");
    JsonNode problem =
        assertProblem(
            post(
                "/api/internal/community",
                "{\"name\": \""
                    + slug
                    + "\", \"plugins\": ["
                    + "{\"name\": \"randomness\", \"config\": {\"default_low\": true}}]}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].config.default_low");
    assertThat(get(path(slug)).status()).isEqualTo(404);
  }

  @Test
  void hooksListsOneReceiverPerEnabledPlugin() {
    String slug = uniqueSlug("hooks");
    putCommunity(
        slug,
        "[{\"name\": \"randomness\"}, {\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}},"
            + " {\"name\": \"secretive\", \"config\": {\"api_key\": \"k\", \"webhook_slug\": \"unguessable-123\"}}]");
    Response hooks = get(path(slug) + "/hooks");
    assertThat(hooks.status()).isEqualTo(200);
    assertThat(hooks.json().path("hooks").valueStream().map(JsonNode::asString).toList())
        .containsExactlyInAnyOrder(
            "/api/hooks/" + slug + "/randomness",
            "/api/hooks/" + slug + "/sourcecred",
            "/api/hooks/" + slug + "/secretive/unguessable-123");

    putCommunity(slug, "[]");
    assertThat(get(path(slug) + "/hooks").json().path("hooks")).isEmpty();
    assertProblem(get(path(uniqueSlug("no-hooks")) + "/hooks"), 404, "community_not_found");
  }
}

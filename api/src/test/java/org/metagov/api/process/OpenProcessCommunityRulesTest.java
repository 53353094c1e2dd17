package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** A community cannot be deleted, nor a plugin disabled, while it has open processes. */
class OpenProcessCommunityRulesTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";

  @Test
  void deletingACommunityWithAnOpenProcessIs409UntilItEnds() {
    String slug = uniqueSlug("rules");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    String location =
        started(slug, VOTE, "{\"options\": [\"a\"], \"delay\": " + delayMinutes(60) + "}");

    JsonNode problem =
        assertProblem(
            delete("/api/internal/community/" + slug), 409, "community_has_open_processes");
    assertThat(problem.path("detail").asString()).contains(slug);
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(200);
    assertThat(record(slug, location).path("status").asString()).isIn("created", "pending");

    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
    assertThat(delete("/api/internal/community/" + slug).status()).isEqualTo(204);
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(404);
  }

  @Test
  void removingAPluginWithAnOpenProcessIs409AndChangesNothing() {
    String slug = uniqueSlug("rules");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_high\": 7}}]");
    String location =
        started(slug, VOTE, "{\"options\": [\"a\"], \"delay\": " + delayMinutes(60) + "}");

    JsonNode problem =
        assertProblem(
            put(
                "/api/internal/community/" + slug,
                "{\"name\": \"" + slug + "\", \"readable_name\": \"Renamed\", \"plugins\": []}"),
            409,
            "plugin_has_open_processes");
    assertThat(problem.path("detail").asString()).contains("randomness");
    JsonNode community = get("/api/internal/community/" + slug).json();
    assertThat(community.path("readable_name").asString()).isEqualTo("Test " + slug);
    assertThat(community.path("plugins").toString())
        .contains("randomness")
        .contains("\"default_high\":7");

    // Changing the config of the plugin (keeping it) is allowed while the process runs.
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_high\": 9}}]");
    assertThat(record(slug, location).path("status").asString()).isIn("created", "pending");

    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
    putCommunity(slug, "[]");
    assertThat(get("/api/internal/community/" + slug).json().path("plugins").isEmpty()).isTrue();
  }
}

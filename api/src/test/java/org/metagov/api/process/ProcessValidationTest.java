package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Client mistakes on the process endpoints: each is a 4xx problem document, and none creates
 * anything.
 */
class ProcessValidationTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";
  private static final String GOOD = "{\"options\": [\"a\", \"b\"], \"delay\": 600}";

  private String community() {
    String slug = uniqueSlug("validation");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    return slug;
  }

  @Test
  void invalidParametersAre400WithTheFieldPathAndCreateNothing() {
    String slug = community();
    JsonNode empty =
        assertProblem(
            startProcess(slug, VOTE, "{\"options\": [], \"delay\": 5}"), 400, "validation_failed");
    assertThat(errorPaths(empty)).contains("options");
    JsonNode missing =
        assertProblem(startProcess(slug, VOTE, "{\"delay\": 5}"), 400, "validation_failed");
    assertThat(missing.path("errors").toString()).contains("options");
    JsonNode wrongType =
        assertProblem(
            startProcess(slug, VOTE, "{\"options\": [\"a\"], \"delay\": \"soon\"}"),
            400,
            "validation_failed");
    assertThat(errorPaths(wrongType)).contains("delay");
    JsonNode unknown =
        assertProblem(
            startProcess(slug, VOTE, "{\"options\": [\"a\"], \"colour\": \"red\"}"),
            400,
            "validation_failed");
    assertThat(unknown.path("errors").toString()).contains("colour");
    assertProblem(startProcess(slug, VOTE, "[\"a\"]"), 400, "validation_failed");
    assertThat(listedIds(slug, null)).isEmpty();
  }

  @Test
  void unknownProcessOrPluginIs404AndADisabledPluginIs400() {
    String slug = community();
    assertProblem(startProcess(slug, "randomness.no-such-process", GOOD), 404, "process_not_found");
    assertProblem(startProcess(slug, "no-such-plugin.vote", GOOD), 404, "plugin_not_found");
    assertProblem(startProcess(slug, "randomness", GOOD), 404, "process_not_found");
    JsonNode disabled =
        assertProblem(
            startProcess(
                slug,
                "loomio.poll",
                "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2099-01-01\"}"),
            400,
            "plugin_not_enabled");
    assertThat(disabled.path("detail").asString()).contains("loomio");
    assertProblem(startProcess("no-such-community-y", VOTE, GOOD), 404, "community_not_found");
    assertThat(listedIds(slug, null)).isEmpty();
  }

  @Test
  void aMissingCommunityHeaderIs400() {
    community();
    assertProblem(post(PROCESS + VOTE, GOOD), 400, "missing_community_header");
  }

  @Test
  void aBadCallbackUrlIs400() {
    String slug = community();
    for (String url :
        new String[] {"ftp://127.0.0.1/cb", "not a url", "/relative/path", "http://"}) {
      JsonNode problem =
          assertProblem(
              startProcess(
                  slug,
                  VOTE,
                  "{\"options\": [\"a\"], \"delay\": 5, \"callback_url\": \"" + url + "\"}"),
              400,
              "validation_failed");
      assertThat(errorPaths(problem)).as(url).containsExactly("callback_url");
    }
    assertProblem(
        startProcess(slug, VOTE, "{\"options\": [\"a\"], \"callback_url\": 42}"),
        400,
        "validation_failed");
    assertThat(listedIds(slug, null)).isEmpty();
  }

  @Test
  void malformedJsonIs400() {
    String slug = community();
    assertProblem(startProcess(slug, VOTE, "{\"options\": [\"a\""), 400, "malformed_json");
    assertThat(listedIds(slug, null)).isEmpty();
  }

  @Test
  void getOfAnUnknownOrMisnamedOrForeignProcessIs404() {
    String slug = community();
    String other = community();
    String location =
        started(slug, VOTE, "{\"options\": [\"a\", \"b\"], \"delay\": " + delayMinutes(60) + "}");
    long id = idOf(location);
    assertThat(record(slug, location).path("id").asLong()).isEqualTo(id);

    assertProblem(getAs(slug, PROCESS + VOTE + "/" + (id + 1_000_000)), 404, "process_not_found");
    assertProblem(getAs(slug, PROCESS + "loomio.poll/" + id), 404, "process_not_found");
    assertProblem(getAs(slug, PROCESS + "randomness.other/" + id), 404, "process_not_found");
    assertProblem(getAs(other, location), 404, "process_not_found");
    // Nor can another community close it.
    assertProblem(deleteAs(other, location), 404, "process_not_found");
    assertThat(record(slug, location).path("status").asString()).isIn("created", "pending");

    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
  }
}

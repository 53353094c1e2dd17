package org.metagov.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/** {@code POST /api/internal/action/{plugin}.{action}} with the platform-free randomness plugin. */
class ActionApiTest extends IntegrationTest {

  private static final String RANDOM_INT = "randomness.random-int";

  private String communityWithRandomness(String config) {
    String slug = uniqueSlug("actions");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": " + config + "}]");
    return slug;
  }

  private long randomInt(String slug, String body) {
    Response response = action(slug, RANDOM_INT, body);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.contentType()).startsWith(JSON);
    JsonNode value = response.json().path("value");
    assertThat(value.isIntegralNumber()).as(response.body()).isTrue();
    return value.asLong();
  }

  @Test
  void randomIntIsAtLeastLowAndBelowHighAsInTheGateway() {
    String slug = communityWithRandomness("{}");
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      long value = randomInt(slug, "{\"parameters\": {\"low\": 10, \"high\": 13}}");
      assertThat(value).isBetween(10L, 12L);
      seen.add(value);
    }
    assertThat(seen).as("60 draws from 3 values").hasSizeGreaterThan(1);
    assertThat(randomInt(slug, "{\"parameters\": {\"low\": -5, \"high\": -4}}")).isEqualTo(-5);
    assertThat(randomInt(slug, "{\"parameters\": {\"low\": 7, \"high\": 8}}")).isEqualTo(7);
    // The one value of an empty range does not exist: high is exclusive.
    assertThat(
            errorPaths(
                assertProblem(
                    action(slug, RANDOM_INT, "{\"parameters\": {\"low\": 7, \"high\": 7}}"),
                    400,
                    "validation_failed")))
        .containsExactly("parameters.low");
  }

  @Test
  void randomIntUsesTheConfigDefaults() {
    String slug = communityWithRandomness("{\"default_low\": 1000, \"default_high\": 1003}");
    for (int i = 0; i < 10; i++) {
      assertThat(randomInt(slug, "{\"parameters\": {}}")).isBetween(1000L, 1002L);
    }
    assertThat(randomInt(slug, "{\"parameters\": {\"high\": 1001}}")).isEqualTo(1000);
    assertThat(randomInt(slug, "{\"parameters\": {\"low\": 1002}}")).isEqualTo(1002);
    // The schema defaults (0 to 100, exclusive) when the config is empty.
    String plain = communityWithRandomness("{}");
    for (int i = 0; i < 10; i++) {
      assertThat(randomInt(plain, "{}")).isBetween(0L, 99L);
    }
  }

  @Test
  void anAbsentBodyMeansNoParameters() {
    String slug = communityWithRandomness("{\"default_low\": 42, \"default_high\": 43}");
    assertThat(randomInt(slug, null)).isEqualTo(42);
    assertThat(randomInt(slug, "{}")).isEqualTo(42);
    assertThat(randomInt(slug, "{\"parameters\": null}")).isEqualTo(42);
  }

  @Test
  void lowAboveHighIs400() {
    String slug = communityWithRandomness("{}");
    JsonNode problem =
        assertProblem(
            action(slug, RANDOM_INT, "{\"parameters\": {\"low\": 5, \"high\": 1}}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("parameters.low");
    // Also when the bound comes from the config.
    String inverted = communityWithRandomness("{\"default_low\": 50}");
    assertProblem(
        action(inverted, RANDOM_INT, "{\"parameters\": {\"high\": 10}}"), 400, "validation_failed");
  }

  @Test
  void aParameterOfTheWrongTypeIs400WithItsPath() {
    String slug = communityWithRandomness("{}");
    JsonNode problem =
        assertProblem(
            action(slug, RANDOM_INT, "{\"parameters\": {\"high\": \"ten\"}}"),
            400,
            "validation_failed");
    assertThat(problem.path("errors").get(0).path("path").asString()).isEqualTo("parameters.high");
    assertThat(problem.path("errors").get(0).path("message").asString()).isNotBlank();

    problem =
        assertProblem(
            action(slug, RANDOM_INT, "{\"parameters\": {\"low\": 1.5}}"), 400, "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("parameters.low");
    problem =
        assertProblem(
            action(slug, RANDOM_INT, "{\"parameters\": {\"middle\": 3}}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("parameters.middle");
    // Integers too large to use are a client mistake, not a 500.
    problem =
        assertProblem(
            action(slug, RANDOM_INT, "{\"parameters\": {\"low\": 99999999999999999999999}}"),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("parameters.low");
    assertProblem(
        action(
            slug,
            "randomness.set-lucky-number",
            "{\"parameters\": {\"lucky_number\": -99999999999999999999999}}"),
        400,
        "validation_failed");
  }

  @Test
  void aBodyOfTheWrongShapeIs400() {
    String slug = communityWithRandomness("{}");
    assertProblem(action(slug, RANDOM_INT, "[]"), 400, "validation_failed");
    assertProblem(action(slug, RANDOM_INT, "\"x\""), 400, "validation_failed");
    assertThat(
            errorPaths(
                assertProblem(
                    action(slug, RANDOM_INT, "{\"parameters\": 5}"), 400, "validation_failed")))
        .containsExactly("parameters");
    assertThat(
            errorPaths(
                assertProblem(
                    action(slug, RANDOM_INT, "{\"params\": {}}"), 400, "validation_failed")))
        .containsExactly("params");
    assertProblem(action(slug, RANDOM_INT, "{\"parameters\": {"), 400, "malformed_json");
  }

  @Test
  void missingCommunityHeaderIs400() {
    Response response = send("POST", "/api/internal/action/" + RANDOM_INT, "{}");
    assertProblem(response, 400, "missing_community_header");
    assertProblem(
        send("POST", "/api/internal/action/" + RANDOM_INT, "{}", COMMUNITY_HEADER, ""),
        400,
        "missing_community_header");
  }

  @Test
  void unknownCommunityIs404() {
    assertProblem(action(uniqueSlug("nobody"), RANDOM_INT, "{}"), 404, "community_not_found");
    assertProblem(action("not a slug!", RANDOM_INT, "{}"), 404, "community_not_found");
  }

  @Test
  void unknownPluginIs404() {
    String slug = communityWithRandomness("{}");
    assertProblem(action(slug, "astrology.horoscope", "{}"), 404, "plugin_not_found");
  }

  @Test
  void unknownActionIs404() {
    String slug = communityWithRandomness("{}");
    assertProblem(action(slug, "randomness.coin-flip", "{}"), 404, "action_not_found");
    assertProblem(action(slug, "randomness", "{}"), 404, "action_not_found");
    assertProblem(action(slug, "randomness.", "{}"), 404, "action_not_found");
    // A process is not an action.
    assertProblem(
        action(slug, "randomness.delayed-stochastic-vote", "{}"), 404, "action_not_found");
  }

  @Test
  void aPluginTheCommunityHasNotEnabledIs400() {
    String slug = uniqueSlug("not-enabled");
    putCommunity(
        slug, "[{\"name\": \"sourcecred\", \"config\": {\"server_url\": \"http://127.0.0.1:9\"}}]");
    JsonNode problem = assertProblem(action(slug, RANDOM_INT, "{}"), 400, "plugin_not_enabled");
    assertThat(problem.path("detail").asString()).contains("randomness").contains(slug);
  }

  @Test
  void setLuckyNumberStoresItAndReturnsThePreviousOne() {
    String slug = communityWithRandomness("{}");
    Response first =
        action(slug, "randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 7}}");
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json()).isEqualTo(json("{\"lucky_number\": 7, \"previous\": null}"));

    Response second =
        action(slug, "randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 13}}");
    assertThat(second.json()).isEqualTo(json("{\"lucky_number\": 13, \"previous\": 7}"));

    // State belongs to one community, and survives a config change of that community.
    String other = communityWithRandomness("{}");
    assertThat(
            action(other, "randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 1}}")
                .json()
                .path("previous")
                .isNull())
        .isTrue();
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {\"default_low\": 3}}]");
    assertThat(
            action(slug, "randomness.set-lucky-number", "{\"parameters\": {\"lucky_number\": 14}}")
                .json()
                .path("previous")
                .asInt())
        .isEqualTo(13);

    JsonNode problem =
        assertProblem(action(slug, "randomness.set-lucky-number", "{}"), 400, "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("parameters.lucky_number");
  }
}

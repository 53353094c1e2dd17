package org.metagov.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Answers to Driver URLs that end in {@code <plugin>.<name>} are plain JSON answers: Spring's
 * reflected-file-download guard, which reads the part after the dot as a file extension, does not
 * turn them into {@code f.txt} downloads.
 */
class ContentDispositionTest extends IntegrationTest {

  @Test
  void actionAndProcessAnswersCarryNoContentDisposition() {
    String slug = uniqueSlug("disposition");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");

    Response action =
        action(slug, "randomness.random-int", "{\"parameters\": {\"low\": 1, \"high\": 6}}");
    assertThat(action.status()).as(action.body()).isEqualTo(200);
    assertThat(action.contentType()).startsWith(JSON);
    assertThat(action.header("Content-Disposition")).isNull();
    assertThat(action.json().path("value").asInt()).isBetween(1, 6);

    // With an explicit Accept, and on a failure of a known action, the same.
    Response accepted =
        send(
            "POST",
            "/api/internal/action/randomness.random-int",
            "{\"parameters\": {\"low\": 1, \"high\": 2}}",
            COMMUNITY_HEADER,
            slug,
            "Accept",
            JSON);
    assertThat(accepted.status()).isEqualTo(200);
    assertThat(accepted.header("Content-Disposition")).isNull();
    Response invalid =
        action(slug, "randomness.random-int", "{\"parameters\": {\"low\": \"one\"}}");
    assertProblem(invalid, 400, "validation_failed");
    assertThat(invalid.header("Content-Disposition")).isNull();

    Response start =
        send(
            "POST",
            "/api/internal/process/randomness.delayed-stochastic-vote",
            "{\"options\": [\"one\", \"two\"], \"delay\": " + delayMinutes(60) + "}",
            COMMUNITY_HEADER,
            slug);
    assertThat(start.status()).as(start.body()).isEqualTo(202);
    assertThat(start.header("Content-Disposition")).isNull();
    JsonNode record = start.json();
    Response closed = send("DELETE", start.header("Location"), null, COMMUNITY_HEADER, slug);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    assertThat(closed.header("Content-Disposition")).isNull();
    assertThat(closed.json().path("id").asLong()).isEqualTo(record.path("id").asLong());
  }

  /**
   * A name no plugin defines is echoed in the 404 problem, so Spring's guard still protects that
   * answer.
   */
  @Test
  void anUnknownNameKeepsSpringsGuard() {
    String slug = uniqueSlug("disposition");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    Response unknown = action(slug, "randomness.cmd", "{}");
    assertProblem(unknown, 404, "action_not_found");
    assertThat(unknown.header("Content-Disposition")).isEqualTo("inline;filename=f.txt");
  }
}

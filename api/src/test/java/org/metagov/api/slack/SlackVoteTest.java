package org.metagov.api.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Slack votes end to end on the Temporal test server with time skipping: the message posted on
 * start, button presses as signed interactivity requests (a re-vote, an ineligible voter), the live
 * message, the deadline and the Driver's callback; and a vote closed early by DELETE.
 */
class SlackVoteTest extends SlackTestSupport {

  private static final String CHANNEL = "C0LUNCH01";

  private void press(String team, String user, JsonNode pending, String value) {
    Response answer =
        interaction(
            blockAction(
                team,
                user,
                CHANNEL,
                pending.path("outcome").path("message_ts").asString(),
                "cast_vote",
                value,
                false));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
  }

  private static String votesText(JsonNode blocks) {
    return blocks == null ? "" : blocks.toString();
  }

  @Test
  void anEmojiVoteCountsPressesUntilItsDeadlineAndCallsTheDriverBack() {
    String slug = uniqueSlug("slack-vote");
    String team = uniqueTeam();
    String token = communityWithSlack(slug, team);
    String closingAt =
        temporalNow().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS).toString();
    String location =
        started(
            slug,
            "slack.emoji-vote",
            "{\"title\": \"Lunch?\", \"details\": \"Where shall we go?\","
                + " \"poll_type\": \"choice\", \"options\": [\"pizza\", \"salad\", \"soup\"], \"channel\": \""
                + CHANNEL
                + "\","
                + " \"ineligible_voters\": [\"U0MALLORY\"], \"closing_at\": \""
                + closingAt
                + "\","
                + " \"callback_url\": \""
                + DRIVER.baseUrl()
                + "/callback\"}");
    long id = idOf(location);
    JsonNode pending = awaitStatus(slug, location, "pending");
    String ts = pending.path("outcome").path("message_ts").asString();
    assertThat(pending.path("url").asString())
        .isEqualTo(
            "https://"
                + team.toLowerCase(java.util.Locale.ROOT)
                + ".slack.example/archives/"
                + CHANNEL
                + "/p"
                + ts.replace(".", ""));
    assertThat(SLACK.calls("chat.postMessage", token)).hasSize(1);
    assertThat(
            SLACK
                .last("chat.postMessage")
                .arguments()
                .path("metadata")
                .path("event_payload")
                .path("process_id")
                .asLong())
        .isEqualTo(id);
    assertThat(votesText(SLACK.blocks(CHANNEL, ts))).contains("cast_vote", ":one:", ":three:");

    press(team, "U0ALICE01", pending, "0");
    press(team, "U0BOB0001", pending, "0");
    awaitRecord(
        slug,
        location,
        "two votes for pizza",
        r -> r.path("outcome").path("votes").path("pizza").path("count").asInt() == 2);
    press(team, "U0ALICE01", pending, "2");
    press(team, "U0MALLORY", pending, "1");
    JsonNode moved =
        awaitRecord(
            slug,
            location,
            "Alice's vote moved to soup",
            r -> r.path("outcome").path("votes").path("soup").path("count").asInt() == 1);
    assertThat(moved.path("outcome").path("votes"))
        .isEqualTo(
            json(
                "{\"pizza\": {\"users\": [\"U0BOB0001\"], \"count\": 1},"
                    + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\"U0ALICE01\"], \"count\": 1}}"));
    await("the notice to the ineligible voter")
        .atMost(Duration.ofSeconds(30))
        .until(() -> SLACK.calls("chat.postEphemeral", token).size() == 1);
    assertThat(SLACK.calls("chat.postEphemeral", token).get(0).arguments())
        .isEqualTo(
            json(
                "{\"channel\": \""
                    + CHANNEL
                    + "\", \"user\": \"U0MALLORY\", \"text\": \"You are not eligible to vote in this poll.\"}"));
    await("the live message")
        .atMost(Duration.ofSeconds(30))
        .until(() -> votesText(SLACK.blocks(CHANNEL, ts)).contains("soup   `1` (<@U0ALICE01>)"));
    assertThat(votesText(SLACK.blocks(CHANNEL, ts)))
        .contains("pizza   `1` (<@U0BOB0001>)")
        .contains("salad   `0`");

    // Nothing happens before the deadline; just past it the vote closes and the Driver is called
    // back.
    skip(Duration.ofDays(1));
    assertThat(record(slug, location).path("status").asString()).isEqualTo("pending");
    skip(Duration.between(temporalNow(), java.time.Instant.parse(closingAt)).plusSeconds(1));
    JsonNode completed = awaitStatus(slug, location, "completed");
    JsonNode outcome =
        json(
            "{\"votes\": {\"pizza\": {\"users\": [\"U0BOB0001\"], \"count\": 1},"
                + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\"U0ALICE01\"], \"count\": 1}},"
                + " \"channel\": \""
                + CHANNEL
                + "\", \"message_ts\": \""
                + ts
                + "\"}");
    assertThat(completed.path("outcome")).isEqualTo(outcome);
    assertThat(votesText(SLACK.blocks(CHANNEL, ts)))
        .doesNotContain("cast_vote")
        .contains("Voting has closed.");

    String deliveryId = "process-" + id + "-result";
    await("the callback")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                getAs(slug, "/api/internal/deliveries?status=delivered")
                    .json()
                    .path("deliveries")
                    .toString()
                    .contains(deliveryId));
    List<LoggedRequest> callbacks =
        DRIVER.findAll(postRequestedFor(urlEqualTo("/callback"))).stream()
            .filter(r -> json(r.getBodyAsString()).path("id").asLong() == id)
            .toList();
    assertThat(callbacks).hasSize(1);
    assertStandardWebhook(callbacks.get(0), deliveryId);
    JsonNode body = json(callbacks.get(0).getBodyAsString());
    assertThat(body.path("status").asString()).isEqualTo("completed");
    assertThat(body.path("outcome")).isEqualTo(outcome);
    awaitDeliveryClosed(deliveryId);

    // A press after the close reaches no process.
    Response late =
        interaction(blockAction(team, "U0CAROL01", CHANNEL, ts, "cast_vote", "1", false));
    assertThat(late.status()).isEqualTo(200);
    assertThat(record(slug, location).path("outcome")).isEqualTo(outcome);
  }

  @Test
  void votesCloseEarlyOnDelete() {
    String slug = uniqueSlug("slack-close");
    String team = uniqueTeam();
    communityWithSlack(slug, team);
    String location =
        started(
            slug,
            "slack.emoji-vote",
            "{\"title\": \"Ship it?\", \"poll_type\": \"boolean\", \"channel\": \""
                + CHANNEL
                + "\"}");
    JsonNode pending = awaitStatus(slug, location, "pending");
    press(team, "U0ALICE01", pending, "1");
    awaitRecord(
        slug,
        location,
        "one no",
        r -> r.path("outcome").path("votes").path("no").path("count").asInt() == 1);

    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    JsonNode record = awaitStatus(slug, location, "completed");
    assertThat(record.path("outcome").path("votes"))
        .isEqualTo(
            json(
                "{\"yes\": {\"users\": [], \"count\": 0},"
                    + " \"no\": {\"users\": [\"U0ALICE01\"], \"count\": 1}}"));
    String ts = pending.path("outcome").path("message_ts").asString();
    assertThat(votesText(SLACK.blocks(CHANNEL, ts)))
        .doesNotContain("cast_vote")
        .contains("Reject   `1` (<@U0ALICE01>)");

    // An advanced vote: one menu per candidate, each voter's last choice per candidate.
    String advanced =
        started(
            slug,
            "slack.advanced-vote",
            "{\"title\": \"Board\", \"candidates\": [\"Ann\", \"Bo\"],"
                + " \"options\": [\"Yes\", \"No\"], \"channel\": \""
                + CHANNEL
                + "\"}");
    JsonNode open = awaitStatus(slug, advanced, "pending");
    String advancedTs = open.path("outcome").path("message_ts").asString();
    interaction(blockAction(team, "U0ALICE01", CHANNEL, advancedTs, "advanced_vote.1", "0", true));
    interaction(blockAction(team, "U0ALICE01", CHANNEL, advancedTs, "advanced_vote.0", "1", true));
    awaitRecord(
        slug,
        advanced,
        "Alice's two choices",
        r -> r.path("outcome").path("votes").path("U0ALICE01").size() == 2);
    assertThat(deleteAs(slug, advanced).status()).isEqualTo(200);
    assertThat(awaitStatus(slug, advanced, "completed").path("outcome").path("votes"))
        .isEqualTo(json("{\"U0ALICE01\": {\"Bo\": \"Yes\", \"Ann\": \"No\"}}"));
  }
}

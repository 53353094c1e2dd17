package org.metagov.api.discord;

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
 * Discord votes end to end on the Temporal test server with time skipping: the message posted on
 * start with a button per option, presses as signed interactions (a changed vote, an ineligible
 * voter told privately), the message edited with the tally, the deadline and the Driver's callback;
 * and a vote closed early by DELETE, whose buttons end up disabled.
 */
class DiscordVoteTest extends DiscordTestSupport {

  private static final String ALICE = "4000000000000000001";
  private static final String BOB = "4000000000000000002";
  private static final String MALLORY = "4000000000000000003";

  private void pressAs(
      String guild, String user, String channel, String messageId, String customId) {
    Response answer = interact(press(guild, user, channel, messageId, customId));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.json()).isEqualTo(json("{\"type\": 6}"));
  }

  private static boolean allButtonsDisabled(JsonNode message) {
    List<JsonNode> buttons =
        message.path("components").findValues("custom_id").isEmpty()
            ? List.of()
            : message.path("components").findParents("custom_id");
    return !buttons.isEmpty()
        && buttons.stream().allMatch(b -> b.path("disabled").asBoolean(false));
  }

  @Test
  void aVoteCountsPressesUntilItsDeadlineAndCallsTheDriverBack() {
    String slug = uniqueSlug("discord-vote");
    String guild = uniqueGuild();
    String channel = DISCORD.snowflake();
    communityWithDiscord(slug, guild, channel);
    String closingAt =
        temporalNow().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS).toString();
    String location =
        started(
            slug,
            "discord.vote",
            "{\"title\": \"Lunch?\", \"details\": \"Where shall we go?\","
                + " \"poll_type\": \"choice\", \"options\": [\"pizza\", \"salad\", \"soup\"], \"channel\": \""
                + channel
                + "\","
                + " \"eligible_voters\": [\""
                + ALICE
                + "\", \""
                + BOB
                + "\"], \"closing_at\": \""
                + closingAt
                + "\","
                + " \"callback_url\": \""
                + DRIVER.baseUrl()
                + "/callback\"}");
    long id = idOf(location);
    JsonNode pending = awaitStatus(slug, location, "pending");
    String messageId = pending.path("outcome").path("message_id").asString();
    assertThat(pending.path("url").asString())
        .isEqualTo(DISCORD.baseUrl() + "/channels/" + guild + "/" + channel + "/" + messageId);
    assertThat(DISCORD.calls("POST", "/channels/" + channel + "/messages")).hasSize(1);
    JsonNode posted = DISCORD.calls("POST", "/channels/" + channel + "/messages").get(0).body();
    assertThat(posted.path("enforce_nonce").asBoolean()).isTrue();
    assertThat(posted.path("allowed_mentions")).isEqualTo(json("{\"parse\": []}"));
    assertThat(posted.path("components").findValuesAsString("custom_id"))
        .containsExactly("cast_vote:0", "cast_vote:1", "cast_vote:2");
    assertThat(posted.path("components").findValuesAsString("label"))
        .containsExactly("pizza", "salad", "soup");

    pressAs(guild, ALICE, channel, messageId, "cast_vote:0");
    pressAs(guild, BOB, channel, messageId, "cast_vote:0");
    awaitRecord(
        slug,
        location,
        "two votes for pizza",
        r -> r.path("outcome").path("votes").path("pizza").path("count").asInt() == 2);
    pressAs(guild, ALICE, channel, messageId, "cast_vote:2");
    pressAs(guild, MALLORY, channel, messageId, "cast_vote:1");
    JsonNode moved =
        awaitRecord(
            slug,
            location,
            "Alice's vote moved to soup",
            r -> r.path("outcome").path("votes").path("soup").path("count").asInt() == 1);
    assertThat(moved.path("outcome").path("votes"))
        .isEqualTo(
            json(
                "{\"pizza\": {\"users\": [\""
                    + BOB
                    + "\"], \"count\": 1},"
                    + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\""
                    + ALICE
                    + "\"], \"count\": 1}}"));
    await("the private notice to the ineligible voter")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> DISCORD.calls("POST", "/webhooks/" + FakeDiscord.CLIENT_ID + "/.*").size() == 1);
    FakeDiscord.Call notice =
        DISCORD.calls("POST", "/webhooks/" + FakeDiscord.CLIENT_ID + "/.*").get(0);
    assertThat(notice.body())
        .isEqualTo(
            json("{\"content\": \"You are not eligible to vote in this poll.\", \"flags\": 64}"));
    assertThat(notice.authorization())
        .as("follow-ups are authorised by the interaction token alone")
        .isNull();
    await("the edited message")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                DISCORD
                    .message(channel, messageId)
                    .path("content")
                    .asString()
                    .contains("soup: 1 (<@" + ALICE + ">)"));
    assertThat(DISCORD.message(channel, messageId).path("content").asString())
        .contains("pizza: 1 (<@" + BOB + ">)")
        .contains("salad: 0")
        .doesNotContain(MALLORY);

    // Nothing happens before the deadline; just past it the vote closes and the Driver is called
    // back.
    skip(Duration.ofDays(1));
    assertThat(record(slug, location).path("status").asString()).isEqualTo("pending");
    skip(Duration.between(temporalNow(), java.time.Instant.parse(closingAt)).plusSeconds(1));
    JsonNode completed = awaitStatus(slug, location, "completed");
    JsonNode outcome =
        json(
            "{\"votes\": {\"pizza\": {\"users\": [\""
                + BOB
                + "\"], \"count\": 1},"
                + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\""
                + ALICE
                + "\"], \"count\": 1}},"
                + " \"channel\": \""
                + channel
                + "\", \"message_id\": \""
                + messageId
                + "\"}");
    assertThat(completed.path("outcome")).isEqualTo(outcome);
    assertThat(allButtonsDisabled(DISCORD.message(channel, messageId))).isTrue();
    assertThat(DISCORD.message(channel, messageId).path("content").asString())
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
    assertThat(DISCORD.calls("POST", "/channels/" + channel + "/messages"))
        .as("posted once")
        .hasSize(1);
  }

  @Test
  void votesCloseEarlyOnDeleteWithTheirButtonsDisabled() {
    String slug = uniqueSlug("discord-close");
    String guild = uniqueGuild();
    String channel = DISCORD.snowflake();
    communityWithDiscord(slug, guild, channel);
    String location =
        started(
            slug,
            "discord.vote",
            "{\"title\": \"Ship it?\", \"poll_type\": \"boolean\", \"channel\": \""
                + channel
                + "\"}");
    JsonNode pending = awaitStatus(slug, location, "pending");
    String messageId = pending.path("outcome").path("message_id").asString();
    assertThat(DISCORD.message(channel, messageId).path("components").findValuesAsString("label"))
        .containsExactly("Approve", "Reject");
    pressAs(guild, ALICE, channel, messageId, "cast_vote:1");
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
                    + " \"no\": {\"users\": [\""
                    + ALICE
                    + "\"], \"count\": 1}}"));
    assertThat(allButtonsDisabled(DISCORD.message(channel, messageId))).isTrue();
    assertThat(DISCORD.message(channel, messageId).path("content").asString())
        .contains("Reject: 1 (<@" + ALICE + ">)");

    // A vote in a channel of another guild does not start.
    String otherChannel = DISCORD.snowflake();
    DISCORD.guild(uniqueGuild(), "Elsewhere", otherChannel);
    String refused =
        started(
            slug,
            "discord.vote",
            "{\"title\": \"Elsewhere?\", \"poll_type\": \"boolean\", \"channel\": \""
                + otherChannel
                + "\"}");
    JsonNode failed = awaitStatus(slug, refused, "failed");
    assertThat(failed.path("errors").toString()).contains("channel");
    assertThat(DISCORD.calls("POST", "/channels/" + otherChannel + "/messages")).isEmpty();
  }
}

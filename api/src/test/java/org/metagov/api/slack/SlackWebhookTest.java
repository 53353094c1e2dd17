package org.metagov.api.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Slack's requests at {@code /api/hooks/slack}: signatures, the URL check, routing by workspace to
 * the one community that installed the app (events and button presses), Slack's retries, and
 * uninstalls; plus the catalogue.
 */
class SlackWebhookTest extends SlackTestSupport {

  private static final String MESSAGE_EVENT =
      "{\"type\": \"message\", \"channel\": \"C0GENERAL\", \"user\": \"U0ALICE01\","
          + " \"text\": \"Hello world\", \"ts\": \"1355517523.000005\", \"event_ts\": \"1355517523.000005\", \"channel_type\": \"channel\"}";

  private List<JsonNode> eventsFor(String community) {
    return DRIVER.findAll(postRequestedFor(urlEqualTo("/events"))).stream()
        .map(r -> json(r.getBodyAsString()))
        .filter(body -> community.equals(body.path("community").asString(null)))
        .toList();
  }

  @Test
  void onlyCorrectlySignedCurrentRequestsAreAccepted() {
    String slug = uniqueSlug("slack-sign");
    String team = uniqueTeam();
    communityWithSlack(slug, team);
    String body = eventCallback(team, "Ev0SIGN" + System.nanoTime(), MESSAGE_EVENT);
    long now = Instant.now().getEpochSecond();

    assertProblem(
        hook(body, "application/json", now, signature("not-the-signing-secret", now, body)),
        401,
        "bad_signature");
    assertProblem(hook(body, "application/json", now - 600, null), 401, "bad_signature");
    assertProblem(hook(body, "application/json", null, null), 401, "bad_signature");
    assertProblem(
        hook(
            body.replace("Hello world", "Hello there"),
            "application/json",
            now,
            signature(FakeSlack.SIGNING_SECRET, now, body)),
        401,
        "bad_signature");
    assertThat(receipts(slug)).isZero();

    Response accepted = event(body);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
    assertThat(accepted.json().path("events").asInt()).isEqualTo(1);
    assertThat(receipts(slug)).isEqualTo(1);

    // The URL check Slack sends when the request URL is set is answered with its challenge, signed
    // like the rest.
    String check =
        "{\"token\": \"Jhj5dZrVaK7ZwHHjRyZWjbDl\", \"challenge\": \"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\","
            + " \"type\": \"url_verification\"}";
    Response answered = event(check);
    assertThat(answered.status()).isEqualTo(200);
    assertThat(answered.contentType()).startsWith("text/plain");
    assertThat(answered.body()).isEqualTo("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    assertProblem(hook(check, "application/json", null, null), 401, "bad_signature");
  }

  @Test
  void requestsReachOnlyTheCommunityOfTheirWorkspace() {
    String slugA = uniqueSlug("slack-route-a");
    String slugB = uniqueSlug("slack-route-b");
    String teamA = uniqueTeam();
    String teamB = uniqueTeam();
    communityWithSlack(slugA, teamA);
    communityWithSlack(slugB, teamB);
    String vote = "{\"title\": \"Adopt?\", \"poll_type\": \"boolean\", \"channel\": \"C0VOTES01\"}";
    String locationA = started(slugA, "slack.emoji-vote", vote);
    String locationB = started(slugB, "slack.emoji-vote", vote);
    JsonNode pendingA = awaitStatus(slugA, locationA, "pending");
    JsonNode pendingB = awaitStatus(slugB, locationB, "pending");
    String tsB = pendingB.path("outcome").path("message_ts").asString();
    assertThat(pendingB.path("url").asString())
        .startsWith(
            "https://"
                + teamB.toLowerCase(java.util.Locale.ROOT)
                + ".slack.example/archives/C0VOTES01/p");

    // A press in workspace B counts in B's vote only.
    Response pressed =
        interaction(blockAction(teamB, "U0ALICE01", "C0VOTES01", tsB, "cast_vote", "0", false));
    assertThat(pressed.status()).as(pressed.body()).isEqualTo(200);
    assertThat(pressed.body()).isEmpty();
    awaitRecord(
        slugB,
        locationB,
        "B counts the press",
        r -> r.path("outcome").path("votes").path("yes").path("count").asInt() == 1);
    assertThat(
            record(slugA, locationA)
                .path("outcome")
                .path("votes")
                .path("yes")
                .path("count")
                .asInt())
        .isZero();
    assertThat(pendingA.path("outcome").path("message_ts").asString()).isNotEqualTo(tsB);

    // An event from workspace B is told to B's Driver only, with the bot's own events marked as
    // such.
    String eventId = "Ev0ROUTE" + System.nanoTime();
    assertThat(event(eventCallback(teamB, eventId, MESSAGE_EVENT)).json().path("status").asString())
        .isEqualTo("accepted");
    String botMessage = MESSAGE_EVENT.replace("U0ALICE01", FakeSlack.botUser(teamB));
    event(eventCallback(teamB, eventId + "b", botMessage));
    await("B's events").atMost(Duration.ofSeconds(30)).until(() -> eventsFor(slugB).size() == 2);
    JsonNode delivered = eventsFor(slugB).get(0);
    assertThat(delivered.path("source").asString()).isEqualTo("slack");
    assertThat(delivered.path("event_type").asString()).isEqualTo("message");
    assertThat(delivered.path("initiator"))
        .isEqualTo(
            json(
                "{\"user_id\": \"U0ALICE01\", \"provider\": \"slack\", \"is_metagov_bot\": false}"));
    assertThat(delivered.path("data").path("text").asString()).isEqualTo("Hello world");
    assertThat(delivered.path("data").has("type")).isFalse();
    assertThat(eventsFor(slugB).get(1).path("initiator").path("is_metagov_bot").asBoolean())
        .isTrue();
    assertThat(eventsFor(slugA)).isEmpty();

    // Slack's retry of the same event is a duplicate, whatever its retry headers say.
    Response retried =
        event(
            eventCallback(teamB, eventId, MESSAGE_EVENT),
            "X-Slack-Retry-Num",
            "1",
            "X-Slack-Retry-Reason",
            "http_timeout");
    assertThat(retried.status()).isEqualTo(200);
    assertThat(retried.json().path("status").asString()).isEqualTo("duplicate");

    // A workspace no community installed is acknowledged and forgotten.
    int receiptsA = receipts(slugA);
    int receiptsB = receipts(slugB);
    Response unknown =
        event(eventCallback(uniqueTeam(), "Ev0UNKNOWN" + System.nanoTime(), MESSAGE_EVENT));
    assertThat(unknown.status()).isEqualTo(200);
    assertThat(unknown.json().path("status").asString()).isEqualTo("ignored");
    Response unknownPress =
        interaction(
            blockAction(uniqueTeam(), "U0ALICE01", "C0VOTES01", tsB, "cast_vote", "1", false));
    assertThat(unknownPress.status()).isEqualTo(200);
    assertThat(receipts(slugA)).isEqualTo(receiptsA);
    assertThat(receipts(slugB)).isEqualTo(receiptsB);
    assertThat(
            record(slugB, locationB).path("outcome").path("votes").path("no").path("count").asInt())
        .isZero();

    // Slack's requests are received at /api/hooks/slack only, never at a community's own path.
    assertProblem(
        hook(eventCallback(teamB, "Ev0PATH", MESSAGE_EVENT), "application/json", null, null),
        401,
        "bad_signature");
    long now = Instant.now().getEpochSecond();
    String body = eventCallback(teamB, "Ev0PATH" + now, MESSAGE_EVENT);
    Response perCommunity =
        send(
            request("/api/hooks/" + slugB + "/slack")
                .header("Content-Type", "application/json")
                .header("X-Slack-Request-Timestamp", Long.toString(now))
                .header("X-Slack-Signature", signature(FakeSlack.SIGNING_SECRET, now, body))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    assertProblem(perCommunity, 404, "webhook_not_found");
    assertThat(receipts(slugB)).isEqualTo(receiptsB);

    deleteAs(slugA, locationA);
    deleteAs(slugB, locationB);
  }

  @Test
  void anUninstallDisablesTheCommunitysSlackWithoutRevokingAgain() {
    String slug = uniqueSlug("slack-uninstalled");
    String team = uniqueTeam();
    String token = communityWithSlack(slug, team);

    Response uninstalled =
        event(
            eventCallback(
                team, "Ev0UNINSTALL" + System.nanoTime(), "{\"type\": \"app_uninstalled\"}"));
    assertThat(uninstalled.status()).as(uninstalled.body()).isEqualTo(200);
    assertThat(uninstalled.json().path("uninstalled").asBoolean()).isTrue();
    assertThat(get("/api/internal/community/" + slug).json().path("plugins")).isEmpty();
    assertThat(
            jdbc.sql("select count(*) from app_installation where community_slug = ?")
                .param(slug)
                .query(Integer.class)
                .single())
        .isZero();
    assertThat(
            jdbc.sql("select count(*) from plugin_teardown where community_slug = ?")
                .param(slug)
                .query(Integer.class)
                .single())
        .isZero();
    assertThat(SLACK.calls("auth.revoke", token)).isEmpty();
    await("the uninstall event")
        .atMost(Duration.ofSeconds(30))
        .until(() -> eventsFor(slug).size() == 1);
    assertThat(eventsFor(slug).get(0).path("event_type").asString()).isEqualTo("app_uninstalled");

    // The workspace is free again: later requests from it are ignored.
    assertThat(
            event(eventCallback(team, "Ev0AFTER" + System.nanoTime(), MESSAGE_EVENT))
                .json()
                .path("status")
                .asString())
        .isEqualTo("ignored");
  }

  @Test
  void disablingSlackRevokesTheBotToken() {
    String slug = uniqueSlug("slack-disabled");
    String team = uniqueTeam();
    String token = communityWithSlack(slug, team);
    putCommunity(slug, "[]");
    await("auth.revoke").atMost(Duration.ofSeconds(30)).until(() -> SLACK.isRevoked(token));
    assertThat(SLACK.calls("auth.revoke", token)).hasSize(1);
    assertThat(
            event(eventCallback(team, "Ev0GONE" + System.nanoTime(), MESSAGE_EVENT))
                .json()
                .path("status")
                .asString())
        .isEqualTo("ignored");
  }

  @Test
  void theCatalogueAndTheApiDocsListSlack() {
    JsonNode slack = get("/api/internal/plugin/slack/metadata").json();
    assertThat(slack.path("actions").findValuesAsString("name"))
        .containsExactly("post-message", "method");
    assertThat(slack.path("processes").findValuesAsString("name"))
        .containsExactly("emoji-vote", "advanced-vote");
    assertThat(slack.path("event_types").toString())
        .contains("\"message\"", "\"reaction_added\"", "\"app_uninstalled\"");
    assertThat(
            slack
                .path("config_schema")
                .path("properties")
                .path("bot_token")
                .path("writeOnly")
                .asBoolean())
        .isTrue();
    JsonNode paths = get("/v3/api-docs").json().path("paths");
    for (String path :
        List.of(
            "/api/internal/action/slack.post-message",
            "/api/internal/action/slack.method",
            "/api/internal/process/slack.emoji-vote",
            "/api/internal/process/slack.advanced-vote")) {
      assertThat(paths.has(path)).as(path).isTrue();
    }
  }
}

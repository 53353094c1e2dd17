package org.metagov.api.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code loomio.poll} end to end against a fake Loomio {@code api/b2} (WireMock on 127.0.0.1,
 * answering in the shapes of the plugin tests' fixtures), with the Driver's callback receiver faked
 * too: creation, the webhook → signal → re-read path, the 14-day deadline on skipped time, the
 * signed callback, and a poll Loomio refuses.
 */
class LoomioPollTest extends ProcessTestSupport {

  private static final String POLL = "loomio.poll";
  private static final String API_KEY = "loomio-key-5d1f";
  private static final String WEBHOOK_SLUG = "hook-Xk29aQ7pLm";

  private WireMockServer loomio;
  private WireMockServer driver;

  @BeforeEach
  void fakes() {
    loomio = localWireMock();
    driver = localWireMock();
    driver.stubFor(WireMock.post(urlEqualTo("/callback")).willReturn(ok()));
    // start() first looks for a poll an earlier attempt created: none.
    loomio.stubFor(
        WireMock.get(urlPathEqualTo("/api/b2/polls"))
            .willReturn(okJson("{\"polls\": [], \"meta\": {\"root\": \"polls\"}}")));
  }

  @AfterEach
  void stopFakes() {
    loomio.stop();
    driver.stop();
  }

  private String community() {
    String slug = uniqueSlug("loomio");
    putCommunity(
        slug,
        "[{\"name\": \"loomio\", \"config\": {\"api_key\": \""
            + API_KEY
            + "\", \"server_url\": \""
            + loomio.baseUrl()
            + "\", \"webhook_slug\": \""
            + WEBHOOK_SLUG
            + "\"}}]");
    return slug;
  }

  /**
   * Loomio's answer to {@code GET /api/b2/polls/{key}} (and to the create), as in poll-open.json.
   */
  private static String pollAnswer(String key, String closingAt, int agree, int disagree) {
    return """
        {"polls": [{"id": 234203, "key": "%1$s", "title": "Adopt policy X", "poll_type": "proposal",
          "details": "Shall we?", "details_format": "md", "group_id": 710495, "author_id": 4759171,
          "anonymous": false, "hide_results": "off", "specified_voters_only": false,
          "closing_at": "%2$s", "closed_at": null, "discarded_at": null,
          "poll_option_names": ["agree", "disagree"],
          "voters_count": %5$d, "decided_voters_count": %6$d, "undecided_voters_count": 1, "cast_stances_pct": 50,
          "stance_counts": [%3$d, %4$d],
          "results": [
            {"id": 940809, "poll_id": 234203, "name": "agree", "name_format": "plain", "rank": 1, "score": %3$d.0,
             "voter_ids": [], "voter_count": %3$d},
            {"id": 940810, "poll_id": 234203, "name": "disagree", "name_format": "plain", "rank": 2, "score": %4$d.0,
             "voter_ids": [], "voter_count": %4$d},
            {"id": -1, "poll_id": 234203, "name": "poll_common_votes_panel.undecided", "name_format": "i18n",
             "voter_ids": [4759171], "voter_count": 1}]}],
         "poll_options": [{"id": 940809, "name": "agree", "priority": 0}, {"id": 940810, "name": "disagree", "priority": 1}],
         "users": [{"id": 4759171, "name": "bot", "username": "bot"}], "outcomes": [], "stances": [],
         "meta": {"root": "polls"}}
        """
        .formatted(key, closingAt, agree, disagree, agree + disagree + 1, agree + disagree);
  }

  private void loomioShows(String key, String closingAt, int agree, int disagree) {
    loomio.stubFor(
        WireMock.get(urlEqualTo("/api/b2/polls/" + key))
            .willReturn(okJson(pollAnswer(key, closingAt, agree, disagree))));
  }

  private String pollBody(String closingAt) {
    return "{\"title\": \"Adopt policy X\", \"options\": [\"agree\", \"disagree\"], \"details\": \"Shall we?\","
        + " \"closing_at\": \""
        + closingAt
        + "\", \"callback_url\": \""
        + driver.baseUrl()
        + "/callback\"}";
  }

  /**
   * Loomio's markdown webhook: a chat message linking the poll, with no signature and no event
   * kind.
   */
  private String webhookMessage(String key) {
    return "{\"text\": \"bot voted on [Adopt policy X]("
        + loomio.baseUrl()
        + "/p/"
        + key
        + "/adopt-policy-x) in *Test group*\","
        + " \"icon_url\": \""
        + loomio.baseUrl()
        + "/brand/logo_gold.png\", \"username\": \"Loomio\"}";
  }

  private int pollReads(String key) {
    return loomio.findAll(getRequestedFor(urlEqualTo("/api/b2/polls/" + key))).size();
  }

  @Test
  void aPollRunsFromCreationThroughWebhooksToItsDeadlineAndItsCallback() {
    String slug = community();
    String key = "Kq7mP2xZ";
    String closingAt =
        temporalNow().plus(Duration.ofDays(14)).truncatedTo(ChronoUnit.SECONDS).toString();
    loomio.stubFor(
        WireMock.post(urlEqualTo("/api/b2/polls"))
            .willReturn(okJson(pollAnswer(key, closingAt, 0, 0))));
    loomioShows(key, closingAt, 0, 0);

    String location = started(slug, POLL, pollBody(closingAt));
    long id = idOf(location);

    // The poll was created with its fields nested under "poll", and the key only in the Bearer
    // header.
    JsonNode pending = awaitStatus(slug, location, "pending");
    List<LoggedRequest> creates = loomio.findAll(postRequestedFor(urlEqualTo("/api/b2/polls")));
    assertThat(creates).hasSize(1);
    LoggedRequest create = creates.get(0);
    assertThat(create.getHeader("Authorization")).isEqualTo("Bearer " + API_KEY);
    assertThat(create.getUrl()).doesNotContain(API_KEY);
    assertThat(create.getBodyAsString()).doesNotContain(API_KEY);
    assertThat(
            equalToJson(
                    "{\"poll\": {\"title\": \"Adopt policy X\", \"poll_type\": \"proposal\","
                        + " \"options\": [\"agree\", \"disagree\"], \"closing_at\": \""
                        + closingAt
                        + "\", \"details_format\": \"md\"}}",
                    false,
                    true)
                .match(create.getBodyAsString())
                .isExactMatch())
        .as(create.getBodyAsString())
        .isTrue();
    JsonNode sent = json(create.getBodyAsString()).path("poll");
    assertThat(sent.path("details").asString())
        .startsWith("Shall we?")
        .contains("metagov-process:" + slug + ":" + id);

    String pollUrl = loomio.baseUrl() + "/p/" + key;
    assertThat(pending.path("url").asString()).isEqualTo(pollUrl);
    assertThat(pending.path("outcome").path("poll_url").asString()).isEqualTo(pollUrl);
    assertThat(pending.path("outcome").path("votes"))
        .isEqualTo(json("{\"agree\": 0, \"disagree\": 0}"));

    // Loomio has no early close.
    JsonNode refused = assertProblem(deleteAs(slug, location), 409, "cannot_close_early");
    assertThat(refused.path("detail").asString()).contains("closing time");

    // A vote on Loomio, then its webhook: the process re-reads the poll and GET shows the new
    // counts.
    loomioShows(key, closingAt, 1, 0);
    int readsBefore = pollReads(key);
    Response hooks = get("/api/internal/community/" + slug + "/hooks");
    String hookPath = "/api/hooks/" + slug + "/loomio/" + WEBHOOK_SLUG;
    assertThat(hooks.json().path("hooks").toString()).contains(hookPath);
    Response accepted = post(hookPath, webhookMessage(key));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
    assertThat(accepted.json().path("processes").asInt()).isEqualTo(1);
    JsonNode updated =
        awaitRecord(
            slug,
            location,
            "votes after the webhook",
            r -> r.path("outcome").path("votes").path("agree").asInt() == 1);
    assertThat(updated.path("status").asString()).isEqualTo("pending");
    assertThat(pollReads(key)).isEqualTo(readsBefore + 1);

    // A webhook about another poll reaches no process; a wrong or missing webhook_slug is 404.
    Response elsewhere = post(hookPath, webhookMessage("OtherKey1"));
    assertThat(elsewhere.status()).isEqualTo(200);
    assertThat(elsewhere.json().path("processes").asInt()).isZero();
    assertProblem(
        post("/api/hooks/" + slug + "/loomio/wrong-slug-123", webhookMessage(key)),
        404,
        "webhook_not_found");
    assertProblem(
        post("/api/hooks/" + slug + "/loomio", webhookMessage(key)), 404, "webhook_not_found");
    assertThat(pollReads(key)).isEqualTo(readsBefore + 1);

    // Voting goes on; Loomio never reports the poll closed here, so only the durable timer can end
    // it.
    loomioShows(key, closingAt, 2, 1);
    skip(Duration.ofDays(13));
    assertThat(record(slug, location).path("status").asString()).isEqualTo("pending");
    assertThat(driver.getAllServeEvents()).isEmpty();

    // Just past the deadline.
    skip(Duration.between(temporalNow(), Instant.parse(closingAt)).plusSeconds(1));
    JsonNode completed = awaitStatus(slug, location, "completed");
    assertThat(completed.path("outcome").path("votes"))
        .isEqualTo(json("{\"agree\": 2, \"disagree\": 1}"));
    assertThat(completed.path("outcome").path("poll_url").asString()).isEqualTo(pollUrl);
    assertThat(completed.path("errors").isEmpty()).isTrue();

    // The callback: delivered once, with the Standard Webhooks headers and the final record.
    String deliveryId = "process-" + id + "-result";
    await("delivery delivered")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                getAs(slug, "/api/internal/deliveries?status=delivered")
                    .json()
                    .path("deliveries")
                    .toString()
                    .contains(deliveryId));
    List<LoggedRequest> callbacks = driver.findAll(postRequestedFor(urlEqualTo("/callback")));
    assertThat(callbacks).hasSize(1);
    LoggedRequest callback = callbacks.get(0);
    assertStandardWebhook(callback, deliveryId);
    JsonNode body = json(callback.getBodyAsString());
    assertThat(body.path("id").asLong()).isEqualTo(id);
    assertThat(body.path("name").asString()).isEqualTo(POLL);
    assertThat(body.path("community").asString()).isEqualTo(slug);
    assertThat(body.path("status").asString()).isEqualTo("completed");
    assertThat(body.path("outcome").path("votes"))
        .isEqualTo(json("{\"agree\": 2, \"disagree\": 1}"));
    assertThat(body.path("url").asString()).isEqualTo(pollUrl);
    awaitDeliveryClosed(deliveryId);

    assertProblem(deleteAs(slug, location), 409, "cannot_close_early");
    // An ended process is not routed to any more.
    Response late = post(hookPath, webhookMessage(key));
    assertThat(late.json().path("processes").asInt()).isZero();
  }

  @Test
  void aPollLoomioRejectsFailsWithTheReasonAndTheCallbackSaysSo() {
    String slug = community();
    String closingAt =
        temporalNow().plus(Duration.ofDays(3)).truncatedTo(ChronoUnit.SECONDS).toString();
    loomio.stubFor(
        WireMock.post(urlEqualTo("/api/b2/polls"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"errors\": {\"closing_at\": [\"must be in the future\"]}}")));

    String location = started(slug, POLL, pollBody(closingAt));
    long id = idOf(location);

    JsonNode failed = awaitStatus(slug, location, "failed");
    String reason = failed.path("errors").toString();
    assertThat(reason).contains("closing_at").contains("must be in the future");
    assertThat(failed.path("outcome").isEmpty()).as(failed.toString()).isTrue();
    // A 4xx is not retried.
    assertThat(loomio.findAll(postRequestedFor(urlEqualTo("/api/b2/polls")))).hasSize(1);
    assertThat(listedIds(slug, "failed")).containsExactly(id);

    await("failure callback")
        .atMost(Duration.ofSeconds(30))
        .until(() -> driver.findAll(postRequestedFor(urlEqualTo("/callback"))).size() == 1);
    LoggedRequest callback = driver.findAll(postRequestedFor(urlEqualTo("/callback"))).get(0);
    assertStandardWebhook(callback, "process-" + id + "-result");
    JsonNode body = json(callback.getBodyAsString());
    assertThat(body.path("status").asString()).isEqualTo("failed");
    assertThat(body.path("errors").toString()).contains("must be in the future");
    awaitDeliveryClosed("process-" + id + "-result");
    assertThat(
            loomio.findAll(
                postRequestedFor(urlEqualTo("/api/b2/polls"))
                    .withHeader("Authorization", equalTo("Bearer " + API_KEY))))
        .hasSize(1);
  }
}

package org.metagov.api.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.WireMock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.process.FakeDiscourse;
import org.metagov.api.process.ProcessTestSupport;
import tools.jackson.databind.JsonNode;

/**
 * Signed Discourse webhooks at {@code /api/hooks/{community}/discourse}: verified over the raw
 * body, routed to the poll's process (which re-reads Discourse), applied once per delivery id, and
 * refused (401, or 404 for addresses that do not exist) without changing anything.
 */
class DiscourseWebhookTest extends ProcessTestSupport {

  private static final String POLL = "discourse.poll";

  private FakeDiscourse discourse;

  @BeforeEach
  void fake() {
    discourse = new FakeDiscourse();
  }

  @AfterEach
  void stopFake() {
    discourse.stop();
  }

  private String community() {
    String slug = uniqueSlug("dhooks");
    putCommunity(slug, "[" + discourse.pluginJson() + "]");
    return slug;
  }

  private String startPoll(String slug) {
    String closingAt =
        temporalNow().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS).toString();
    String location =
        started(
            slug,
            POLL,
            "{\"title\": \""
                + FakeDiscourse.TITLE
                + "\", \"options\": [\"Yes\", \"No\"],"
                + " \"closing_at\": \""
                + closingAt
                + "\"}");
    awaitStatus(slug, location, "pending");
    return location;
  }

  private Response webhook(String slug, String body, String eventId, String signature) {
    return send(
        "POST",
        "/api/hooks/" + slug + "/discourse",
        body,
        discourse.webhookHeaders(eventId, "post_edited", signature));
  }

  private void close(String slug, String location) {
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/polls/toggle_status"))
            .willReturn(okJson("{\"poll\": " + FakeDiscourse.pollJson("closed", 0, 0) + "}")));
    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
  }

  @Test
  void aSignedWebhookRefreshesThePollAndItsRedeliveryIsAppliedOnce() {
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location = startPoll(slug);
    assertThat(record(slug, location).path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": 0, \"No\": 0}"));
    int readsBefore = discourse.postReads();

    discourse.shows(3, 1);
    String body = FakeDiscourse.postEvent("Please vote.");
    String signature = FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body);
    Response accepted = webhook(slug, body, "9001", signature);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
    assertThat(accepted.json().path("processes").asInt()).isEqualTo(1);

    JsonNode updated =
        awaitRecord(
            slug,
            location,
            "votes after the webhook",
            r -> r.path("outcome").path("votes").path("Yes").asInt() == 3);
    assertThat(updated.path("outcome").path("votes")).isEqualTo(json("{\"Yes\": 3, \"No\": 1}"));
    assertThat(updated.path("status").asString()).isEqualTo("pending");
    assertThat(discourse.postReads()).isEqualTo(readsBefore + 1);

    // Discourse redelivers the same event: answered 200, not applied again.
    discourse.shows(5, 1);
    Response duplicate = webhook(slug, body, "9001", signature);
    assertThat(duplicate.status()).as(duplicate.body()).isEqualTo(200);
    assertThat(duplicate.json().path("status").asString()).isEqualTo("duplicate");
    sleepQuietly(Duration.ofSeconds(1));
    assertThat(discourse.postReads()).isEqualTo(readsBefore + 1);
    assertThat(record(slug, location).path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": 3, \"No\": 1}"));

    close(slug, location);
  }

  @Test
  void aForgedSignatureIs401AndChangesNothing() {
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location = startPoll(slug);
    int readsBefore = discourse.postReads();
    discourse.shows(7, 0);

    String body = FakeDiscourse.postEvent("Please vote.");
    String forged = FakeDiscourse.signature("not-the-secret", body);
    JsonNode problem = assertProblem(webhook(slug, body, "9100", forged), 401, "bad_signature");
    assertThat(problem.path("detail").asString()).doesNotContain(FakeDiscourse.WEBHOOK_SECRET);
    // Signed for another body.
    assertProblem(
        webhook(
            slug, body, "9100", FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body + " ")),
        401,
        "bad_signature");
    // Unsigned.
    assertProblem(
        send(
            "POST",
            "/api/hooks/" + slug + "/discourse",
            body,
            "X-Discourse-Event-Id",
            "9100",
            "X-Discourse-Event",
            "post_edited"),
        401,
        "bad_signature");

    sleepQuietly(Duration.ofSeconds(1));
    assertThat(discourse.postReads()).isEqualTo(readsBefore);
    assertThat(record(slug, location).path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": 0, \"No\": 0}"));

    // The refused deliveries were not recorded: the genuine one with the same id is applied.
    Response genuine =
        webhook(slug, body, "9100", FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body));
    assertThat(genuine.status()).as(genuine.body()).isEqualTo(200);
    assertThat(genuine.json().path("status").asString()).isEqualTo("accepted");
    awaitRecord(
        slug,
        location,
        "votes after the genuine webhook",
        r -> r.path("outcome").path("votes").path("Yes").asInt() == 7);

    close(slug, location);
  }

  @Test
  void webhooksForUnknownCommunitiesOrPluginsNotEnabledAre404() {
    String body = FakeDiscourse.postEvent("hello");
    String signature = FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body);
    assertProblem(
        send(
            "POST",
            "/api/hooks/no-such-community-z/discourse",
            body,
            discourse.webhookHeaders("1", "post_created", signature)),
        404,
        "webhook_not_found");

    String randomOnly = uniqueSlug("dhooks");
    putCommunity(randomOnly, "[{\"name\": \"randomness\", \"config\": {}}]");
    assertProblem(
        send(
            "POST",
            "/api/hooks/" + randomOnly + "/discourse",
            body,
            discourse.webhookHeaders("1", "post_created", signature)),
        404,
        "webhook_not_found");
    assertProblem(
        send(
            "POST",
            "/api/hooks/" + randomOnly + "/no-such-plugin",
            body,
            discourse.webhookHeaders("1", "post_created", signature)),
        404,
        "webhook_not_found");

    // Discourse takes no webhook_slug: one in the path is a wrong address too.
    String slug = community();
    assertProblem(
        send(
            "POST",
            "/api/hooks/" + slug + "/discourse/extra-segment",
            body,
            discourse.webhookHeaders("1", "post_created", signature)),
        404,
        "webhook_not_found");
    Response ok =
        send(
            "POST",
            "/api/hooks/" + slug + "/discourse",
            body,
            discourse.webhookHeaders("1", "post_created", signature));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().path("processes").asInt()).isZero();
  }

  private static void sleepQuietly(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

package org.metagov.api.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code callback_on_update}: a Discourse poll whose Driver asked for every change gets a signed
 * callback per change, each with a growing {@code version}, in order, and the final one last;
 * without it only the result is sent.
 */
class LiveCallbackTest extends ProcessTestSupport {

  private static final String POLL = "discourse.poll";

  private FakeDiscourse discourse;
  private WireMockServer driver;

  @BeforeEach
  void fakes() {
    discourse = new FakeDiscourse();
    driver = localWireMock();
  }

  @AfterEach
  void stopFakes() {
    discourse.stop();
    driver.stop();
  }

  private String community() {
    String slug = uniqueSlug("live");
    putCommunity(slug, "[" + discourse.pluginJson() + "]");
    return slug;
  }

  private String pollBody(String extra) {
    String closingAt =
        temporalNow().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS).toString();
    return "{\"title\": \""
        + FakeDiscourse.TITLE
        + "\", \"options\": [\"Yes\", \"No\"], \"closing_at\": \""
        + closingAt
        + "\""
        + extra
        + "}";
  }

  private String callbackUrl() {
    return driver.baseUrl() + "/hook";
  }

  /**
   * The poll now shows these votes, and Discourse says so with a signed webhook (a new body each
   * time).
   */
  private void votes(String slug, int yes, int no) {
    discourse.shows(yes, no);
    String body = FakeDiscourse.postEvent("Votes " + yes + " to " + no + ".");
    Response accepted =
        send(
            "POST",
            "/api/hooks/" + slug + "/discourse",
            body,
            discourse.webhookHeaders(
                "77" + yes + no,
                "post_edited",
                FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body)));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
  }

  private void closeWith(String slug, String location, int yes, int no) {
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/polls/toggle_status"))
            .willReturn(okJson("{\"poll\": " + FakeDiscourse.pollJson("closed", yes, no) + "}")));
    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
  }

  /** The callbacks the Driver answered 2xx, in the order it answered them. */
  private List<LoggedRequest> acknowledged() {
    List<ServeEvent> events = new ArrayList<>(driver.getAllServeEvents());
    events.removeIf(e -> e.getResponse().getStatus() != 200);
    events.sort(Comparator.comparing(e -> e.getRequest().getLoggedDate()));
    return events.stream().map(ServeEvent::getRequest).toList();
  }

  private List<JsonNode> acknowledgedBodies() {
    return acknowledged().stream().map(r -> json(r.getBodyAsString())).toList();
  }

  private void awaitFinal() {
    await("the final callback")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> acknowledgedBodies().stream().anyMatch(b -> b.path("final").asBoolean()));
  }

  private void awaitVersion(long version) {
    await("callback version " + version)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                acknowledgedBodies().stream().anyMatch(b -> b.path("version").asLong() == version));
  }

  @Test
  void everyChangeIsCalledBackSignedInVersionOrderAndTheFinalLast() {
    driver.stubFor(WireMock.post(urlEqualTo("/hook")).willReturn(ok()));
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location =
        started(
            slug,
            POLL,
            pollBody(
                ", \"callback_url\": \"" + callbackUrl() + "\", \"callback_on_update\": true"));
    long id = idOf(location);
    awaitVersion(1);
    assertThat(record(slug, location).path("version").asLong()).isEqualTo(1);
    votes(slug, 1, 0);
    awaitVersion(2);
    votes(slug, 2, 0);
    awaitVersion(3);
    votes(slug, 2, 1);
    awaitVersion(4);
    assertThat(record(slug, location).path("version").asLong()).isEqualTo(4);
    closeWith(slug, location, 3, 1);
    awaitFinal();

    List<LoggedRequest> callbacks = acknowledged();
    assertThat(driver.findAll(postRequestedFor(urlEqualTo("/hook")))).hasSize(5);
    List<JsonNode> bodies = acknowledgedBodies();
    assertThat(bodies)
        .extracting(b -> b.path("version").asLong())
        .containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(bodies)
        .extracting(b -> b.path("final").asBoolean())
        .containsExactly(false, false, false, false, true);
    assertThat(bodies)
        .extracting(b -> b.path("status").asString())
        .containsExactly("pending", "pending", "pending", "pending", "completed");
    assertThat(bodies)
        .extracting(b -> b.path("outcome").path("votes"))
        .containsExactly(
            json("{\"Yes\": 0, \"No\": 0}"),
            json("{\"Yes\": 1, \"No\": 0}"),
            json("{\"Yes\": 2, \"No\": 0}"),
            json("{\"Yes\": 2, \"No\": 1}"),
            json("{\"Yes\": 3, \"No\": 1}"));
    for (int i = 0; i < 4; i++) {
      assertStandardWebhook(callbacks.get(i), "process-" + id + "-update-" + (i + 1));
      assertThat(bodies.get(i).path("id").asLong()).isEqualTo(id);
    }
    assertStandardWebhook(callbacks.get(4), "process-" + id + "-result");
    JsonNode done = record(slug, location);
    assertThat(done.path("version").asLong()).isEqualTo(5);
    assertThat(done.path("status").asString()).isEqualTo("completed");
    JsonNode delivery =
        getAs(slug, "/api/internal/deliveries?status=delivered").json().path("deliveries");
    assertThat(delivery.toString()).contains("process-" + id + "-result");
  }

  @Test
  void withoutTheFlagOnlyTheResultIsSentAsBefore() {
    driver.stubFor(WireMock.post(urlEqualTo("/hook")).willReturn(ok()));
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location =
        started(slug, POLL, pollBody(", \"callback_url\": \"" + callbackUrl() + "\""));
    awaitStatus(slug, location, "pending");
    votes(slug, 1, 0);
    awaitRecord(
        slug,
        location,
        "the vote counted",
        r -> r.path("outcome").path("votes").path("Yes").asInt() == 1);
    assertThat(record(slug, location).path("version").asLong()).isEqualTo(2);
    closeWith(slug, location, 1, 0);
    await("the result").atMost(Duration.ofSeconds(30)).until(() -> !acknowledged().isEmpty());
    awaitDeliveryClosed("process-" + idOf(location) + "-result");

    List<LoggedRequest> callbacks = driver.findAll(postRequestedFor(urlEqualTo("/hook")));
    assertThat(callbacks).hasSize(1);
    assertStandardWebhook(callbacks.get(0), "process-" + idOf(location) + "-result");
    JsonNode body = json(callbacks.get(0).getBodyAsString());
    assertThat(body.path("status").asString()).isEqualTo("completed");
    assertThat(body.has("version")).isFalse();
    assertThat(body.has("final")).isFalse();
  }

  @Test
  void aDriverDownForAWhileLosesNothingAndNeverSeesAnOlderVersionAfterANewerOne() {
    driver.stubFor(WireMock.post(urlEqualTo("/hook")).willReturn(ok()));
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location =
        started(
            slug,
            POLL,
            pollBody(
                ", \"callback_url\": \"" + callbackUrl() + "\", \"callback_on_update\": true"));
    long id = idOf(location);
    awaitVersion(1);

    driver.resetMappings();
    driver.stubFor(WireMock.post(urlEqualTo("/hook")).willReturn(aResponse().withStatus(503)));
    votes(slug, 1, 0);
    awaitRecord(slug, location, "version 2", r -> r.path("version").asLong() == 2);
    votes(slug, 2, 0);
    awaitRecord(slug, location, "version 3", r -> r.path("version").asLong() == 3);
    votes(slug, 3, 0);
    awaitRecord(slug, location, "version 4", r -> r.path("version").asLong() == 4);
    await("failed attempts")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                driver.getAllServeEvents().stream()
                        .filter(e -> e.getResponse().getStatus() == 503)
                        .count()
                    >= 3);

    driver.resetMappings();
    driver.stubFor(WireMock.post(urlEqualTo("/hook")).willReturn(ok()));
    awaitVersion(4);
    closeWith(slug, location, 3, 0);
    awaitFinal();

    List<JsonNode> bodies = acknowledgedBodies();
    List<Long> versions = bodies.stream().map(b -> b.path("version").asLong()).toList();
    assertThat(versions).first().isEqualTo(1L);
    assertThat(versions).isSorted().doesNotHaveDuplicates().contains(4L);
    assertThat(versions).last().isEqualTo(5L);
    assertThat(bodies.get(bodies.size() - 2).path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": 3, \"No\": 0}"));
    assertThat(bodies.get(bodies.size() - 1).path("final").asBoolean()).isTrue();
    // Every failed attempt went out under the webhook-id of the version it carried.
    for (ServeEvent event : driver.getAllServeEvents()) {
      long version = json(event.getRequest().getBodyAsString()).path("version").asLong();
      boolean last = json(event.getRequest().getBodyAsString()).path("final").asBoolean();
      assertStandardWebhook(
          event.getRequest(),
          last ? "process-" + id + "-result" : "process-" + id + "-update-" + version);
    }
  }

  @Test
  void aFlagThatIsNotABooleanOrHasNoCallbackUrlIs400AndStartsNothing() {
    String slug = community();
    discourse.acceptsPolls(0, 0);
    JsonNode notBoolean =
        assertProblem(
            startProcess(
                slug,
                POLL,
                pollBody(
                    ", \"callback_url\": \""
                        + callbackUrl()
                        + "\", \"callback_on_update\": \"yes\"")),
            400,
            "validation_failed");
    assertThat(errorPaths(notBoolean)).containsExactly("callback_on_update");
    JsonNode number =
        assertProblem(
            startProcess(
                slug,
                POLL,
                pollBody(
                    ", \"callback_url\": \"" + callbackUrl() + "\", \"callback_on_update\": 1")),
            400,
            "validation_failed");
    assertThat(errorPaths(number)).containsExactly("callback_on_update");
    JsonNode noUrl =
        assertProblem(
            startProcess(slug, POLL, pollBody(", \"callback_on_update\": true")),
            400,
            "validation_failed");
    assertThat(errorPaths(noUrl)).containsExactly("callback_on_update");
    assertThat(noUrl.path("detail").asString()).contains("callback_url");

    assertThat(listedIds(slug, null)).isEmpty();
    assertThat(discourse.server.findAll(postRequestedFor(urlEqualTo("/posts.json")))).isEmpty();
    assertThat(driver.getAllServeEvents()).isEmpty();
  }
}

package org.metagov.api.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.api.process.FakeDiscourse;
import org.metagov.api.process.ProcessTestSupport;
import org.metagov.api.webhook.WebhookIdentity;
import org.metagov.workflows.delivery.EventOutboxWorkflow;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * What gets through from a webhook to the Driver, and what cannot wedge it: webhook identity from
 * signed content (replays, re-labelled copies, ids claimed in advance, ids that collided across
 * communities, over-long ids), ack-first ingestion (the platform down when its webhook arrives),
 * and the event outbox (a poison event, events waiting behind a retried one, bulk redelivery, and
 * ten thousand events through a Driver outage with bounded histories). Its own context: the Driver
 * is a {@link FakeDriver} and events are given ten minutes before they are dead-lettered.
 */
class EventOutboxTest extends ProcessTestSupport {

  static final FakeDriver DRIVER = new FakeDriver();

  /**
   * No run of an outbox workflow may have a longer history than this (see EventOutboxWorkflowImpl).
   */
  static final int HISTORY_BOUND = 1_100;

  @DynamicPropertySource
  static void driver(DynamicPropertyRegistry registry) {
    registry.add("metagov.driver.event-receiver-url", DRIVER::url);
    registry.add("metagov.delivery.give-up-after", () -> "10m");
    registry.add("metagov.delivery.max-backoff", () -> "1s");
  }

  @AfterAll
  static void stopDriver() {
    DRIVER.close();
  }

  @Autowired JdbcClient jdbc;

  FakeDiscourse discourse;
  String community;

  @BeforeEach
  void setUp() {
    DRIVER.reset();
    discourse = new FakeDiscourse();
    community = uniqueSlug("outbox");
    putCommunity(community, "[" + discourse.pluginJson() + "]");
  }

  Response webhook(String slug, String eventId, String event, String body) {
    return send(
        "POST",
        "/api/hooks/" + slug + "/discourse",
        body,
        discourse.webhookHeaders(
            eventId, event, FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body)));
  }

  Response webhook(String eventId, String body) {
    return webhook(community, eventId, "post_created", body);
  }

  static String eventId(Response accepted) {
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
    return WebhookIdentity.eventId(accepted.json().path("id").asString(), 0);
  }

  long receipts(String slug) {
    return jdbc.sql("select count(*) from webhook_receipt where community_slug = ?")
        .param(slug)
        .query(Long.class)
        .single();
  }

  JsonNode deliveries(String slug, String status) {
    Response listed =
        send(
            "GET",
            "/api/internal/deliveries?limit=1000&status=" + status,
            null,
            COMMUNITY_HEADER,
            slug);
    assertThat(listed.status()).as(listed.body()).isEqualTo(200);
    return listed.json().path("deliveries");
  }

  List<String> ids(JsonNode deliveries) {
    List<String> ids = new ArrayList<>();
    deliveries.forEach(d -> ids.add(d.path("id").asString()));
    return ids;
  }

  // --- identity from signed content
  // ------------------------------------------------------------------

  @Test
  void aReplayedOrReLabelledSignedWebhookReachesTheDriverOnce() {
    String body = FakeDiscourse.postEvent("captured once");
    String first = eventId(webhook("100", body));
    for (String replayId : List.of("101", "102", "103", "104")) {
      assertThat(webhook(replayId, body).json().path("status").asString())
          .as("replayed as " + replayId)
          .isEqualTo("duplicate");
    }
    Response relabelled = webhook(community, "105", "topic_created", body);
    assertThat(relabelled.json().path("status").asString()).isEqualTo("duplicate");

    await().atMost(Duration.ofSeconds(60)).until(() -> DRIVER.acceptedIds(community).size() == 1);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> DRIVER.received(community).size() == 1);
    assertThat(DRIVER.acceptedIds(community)).containsExactly(first);
    assertThat(receipts(community)).isEqualTo(1);
  }

  @Test
  void idsClaimedInAdvanceCannotSwallowRealWebhooks() {
    String captured = FakeDiscourse.postEvent("an old message");
    String replayed = eventId(webhook("5000", captured));
    String genuine = eventId(webhook("5000", FakeDiscourse.postEvent("the real webhook 5000")));

    await().atMost(Duration.ofSeconds(60)).until(() -> DRIVER.acceptedIds(community).size() == 2);
    assertThat(DRIVER.acceptedIds(community)).containsExactly(replayed, genuine);
  }

  @Test
  void theSameIdsAndBodiesInTwoCommunitiesAreTwoEventsAndADashedIdIsRefused() {
    String victim = community + "-discourse-1";
    putCommunity(victim, "[" + discourse.pluginJson() + "]");
    String body = FakeDiscourse.postEvent("same everywhere");

    Response dashed = webhook(community, "1-discourse-7", "post_created", body);
    assertProblem(dashed, 400, "validation_failed");
    String attackers = eventId(webhook(community, "7", "post_created", body));
    String victims = eventId(webhook(victim, "7", "post_created", body));

    assertThat(attackers).isNotEqualTo(victims);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                DRIVER.acceptedIds(community).size() == 1
                    && DRIVER.acceptedIds(victim).size() == 1);
    assertThat(DRIVER.acceptedIds(community)).containsExactly(attackers);
    assertThat(DRIVER.acceptedIds(victim)).containsExactly(victims);
  }

  @Test
  void overLongIdsAndHeadersAreRefusedAndChangeNothing() {
    String body = FakeDiscourse.postEvent("long ids");
    assertProblem(webhook("7".repeat(7_000), body), 400, "header_too_long");
    assertProblem(webhook("7".repeat(100), body), 400, "validation_failed");
    Response longHeader =
        send(
            "POST",
            "/api/hooks/" + community + "/discourse",
            body,
            concat(
                discourse.webhookHeaders(
                    "8",
                    "post_created",
                    FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body)),
                "X-Padding",
                "p".repeat(2_000)));
    assertProblem(longHeader, 400, "header_too_long");
    assertThat(receipts(community)).isZero();
    assertThat(deliveries(community, "queued")).isEmpty();

    // The same body with a sane id is then accepted: the refusals left nothing behind.
    String accepted = eventId(webhook("9", body));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> DRIVER.acceptedIds(community).equals(List.of(accepted)));
  }

  private static String[] concat(String[] headers, String... more) {
    String[] all = java.util.Arrays.copyOf(headers, headers.length + more.length);
    System.arraycopy(more, 0, all, headers.length, more.length);
    return all;
  }

  // --- the outbox
  // ---------------------------------------------------------------------------------

  @Test
  void aPoisonEventIsDeadLetteredAtOnceTheStreamMovesOnAndItCanBeRedelivered() {
    DRIVER.answer(body -> body.contains("poison") ? 400 : 204);
    String poison = eventId(webhook("1", FakeDiscourse.postEvent("poison")));
    List<String> good = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      good.add(eventId(webhook("1" + i, FakeDiscourse.postEvent("good " + i))));
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> DRIVER.acceptedIds(community).size() == 5);
    assertThat(DRIVER.acceptedIds(community)).containsExactlyElementsOf(good);
    JsonNode dead = deliveries(community, "dead");
    assertThat(ids(dead)).containsExactly(poison);
    assertThat(dead.get(0).path("attempts").asInt()).isEqualTo(1);
    assertThat(dead.get(0).path("process_id").isNull())
        .as("an event belongs to no process")
        .isTrue();
    assertThat(dead.get(0).path("last_error").asString()).contains("400");

    DRIVER.answer(body -> 204);
    Response redelivered =
        send(
            "POST",
            "/api/internal/deliveries/" + poison + "/redeliver",
            null,
            COMMUNITY_HEADER,
            community);
    assertThat(redelivered.status()).as(redelivered.body()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(60)).until(() -> DRIVER.acceptedIds(community).size() == 6);
    assertThat(DRIVER.acceptedIds(community).get(5)).isEqualTo(poison);
    // The Driver has answered; the delivered mark follows its answer.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveries(community, "delivered").size() == 6);
    assertThat(deliveries(community, "dead")).isEmpty();
  }

  @Test
  void eventsWaitingBehindARetriedOneAreListedAndDeadLettersAreRedeliveredInBulk() {
    DRIVER.answer(body -> 503);
    List<String> queued = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      queued.add(eventId(webhook("2" + i, FakeDiscourse.postEvent("waiting " + i))));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveries(community, "queued").path(0).path("attempts").asInt() >= 2);
    JsonNode waiting = deliveries(community, "queued");
    assertThat(ids(waiting)).containsExactlyElementsOf(queued);
    assertThat(waiting.get(0).path("last_error").asString()).contains("503");
    assertThat(waiting.get(1).path("attempts").asInt()).isZero();

    DRIVER.answer(body -> body.contains("waiting 3") ? 204 : 410);
    await().atMost(Duration.ofSeconds(60)).until(() -> deliveries(community, "dead").size() == 2);
    assertThat(deliveries(community, "queued")).isEmpty();

    DRIVER.answer(body -> 204);
    Response bulk =
        send(
            "POST",
            "/api/internal/deliveries/redeliver?status=dead",
            null,
            COMMUNITY_HEADER,
            community);
    assertThat(bulk.status()).as(bulk.body()).isEqualTo(202);
    assertThat(bulk.json().path("events").asInt()).isEqualTo(2);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> deliveries(community, "delivered").size() == 3);
    assertThat(DRIVER.acceptedIds(community))
        .containsExactly(queued.get(2), queued.get(0), queued.get(1));
    assertProblem(
        send(
            "POST",
            "/api/internal/deliveries/redeliver?status=delivered",
            null,
            COMMUNITY_HEADER,
            community),
        400,
        "invalid_parameter");
  }

  // --- ack-first
  // ----------------------------------------------------------------------------------

  @Test
  void aWebhookArrivingWhileItsPlatformIsDownReachesTheDriverOnceThePlatformIsBack()
      throws Exception {
    WireMockServer oc = localWireMock();
    try {
      knowsCoopCollective(oc);
      String slug = uniqueSlug("oc-down");
      putCommunity(
          slug,
          "[{\"name\": \"opencollective\", \"config\": {\"access_token\": \"oc-personal-token-123\","
              + " \"collective_slug\": \"coop-collective\", \"server_url\": \""
              + oc.baseUrl()
              + "\", \"webhook_slug\": \"ocHook12345\"}}]");
      oc.stubFor(
          WireMock.any(WireMock.anyUrl())
              .atPriority(1)
              .willReturn(WireMock.aResponse().withStatus(503)));
      oc.resetRequests();

      Response accepted =
          send(
              "POST",
              "/api/hooks/" + slug + "/opencollective/ocHook12345",
              resource("/opencollective/webhook-expense-approved.json"));
      String id = eventId(accepted);
      assertThat(oc.getAllServeEvents())
          .as("no platform call before the acknowledgement")
          .isEmpty();

      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> deliveries(slug, "queued").path(0).path("attempts").asInt() >= 2);
      assertThat(deliveries(slug, "queued").path(0).path("last_error").asString())
          .contains("platform");
      assertThat(DRIVER.received(slug)).isEmpty();

      oc.removeStub(
          oc.getStubMappings().stream()
              .filter(m -> m.getPriority() != null && m.getPriority() == 1)
              .findFirst()
              .orElseThrow());
      oc.stubFor(
          graphQl("OpenCollectiveExpense")
              .willReturn(WireMock.okJson(resource("/opencollective/expense.json"))));
      await().atMost(Duration.ofSeconds(60)).until(() -> DRIVER.acceptedIds(slug).size() == 1);
      assertThat(DRIVER.acceptedIds(slug)).containsExactly(id);
      JsonNode event = Json.parse(DRIVER.received(slug).get(0).body());
      assertThat(event.path("event_type").asString()).isEqualTo("expense_approved");
      assertThat(event.path("data").path("status").asString())
          .as("re-read from the platform")
          .isEqualTo("APPROVED");
      assertThat(event.path("initiator").path("user_id").asString()).isEqualTo("ben-treasurer");
    } finally {
      oc.stop();
    }
  }

  // --- ten thousand events through an outage
  // --------------------------------------------------------

  @Test
  void tenThousandEventsThroughADriverOutageArriveInOrderOnceWithBoundedHistories()
      throws Exception {
    int total = 10_000;
    DRIVER.answer(body -> 503);
    long queueStarted = System.nanoTime();
    ExecutorService senders = Executors.newFixedThreadPool(4);
    List<Future<String>> answers = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      String body = FakeDiscourse.postEvent("outage event " + i);
      String deliveryId = Integer.toString(100_000 + i);
      answers.add(senders.submit(() -> eventId(webhook(deliveryId, body))));
    }
    List<String> expected = new ArrayList<>();
    for (Future<String> answer : answers) {
      expected.add(answer.get());
    }
    senders.shutdown();
    double queueSeconds = (System.nanoTime() - queueStarted) / 1e9;
    assertThat(DRIVER.acceptedIds(community)).isEmpty();

    long drainStarted = System.nanoTime();
    DRIVER.answer(body -> 204);
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> DRIVER.acceptedIds(community).size() >= total);
    double drainSeconds = (System.nanoTime() - drainStarted) / 1e9;
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> DRIVER.acceptedIds(community).size() == total);

    List<String> accepted = DRIVER.acceptedIds(community);
    assertThat(new HashSet<>(accepted)).as("each webhook-id accepted once").hasSize(total);
    assertThat(new HashSet<>(accepted)).isEqualTo(new HashSet<>(expected));
    List<String> queueOrder =
        jdbc.sql("select id from delivery where community_slug = ? order by seq")
            .param(community)
            .query(String.class)
            .list();
    assertThat(accepted).as("delivered in queue order").isEqualTo(queueOrder);

    List<Integer> historyLengths = historyLengths(EventOutboxWorkflow.workflowId(community));
    int longest = historyLengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
    System.out.printf(
        "outbox figures: events=%d queued_in=%.1fs drained_in=%.1fs driver_requests=%d runs=%d"
            + " longest_history=%d bound=%d%n",
        total,
        queueSeconds,
        drainSeconds,
        DRIVER.received(community).size(),
        historyLengths.size(),
        longest,
        HISTORY_BOUND);
    assertThat(longest).isLessThanOrEqualTo(HISTORY_BOUND);
  }
}

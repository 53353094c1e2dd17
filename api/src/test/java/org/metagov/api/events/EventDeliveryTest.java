package org.metagov.api.events;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.api.process.FakeDiscourse;
import org.metagov.api.process.ProcessTestSupport;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Events out: platform webhooks become POSTs to the Driver's event receiver, in the tutorial's
 * shape, once per platform delivery, in order, and through a receiver outage. This class needs its
 * own application context (it configures DRIVER_EVENT_RECEIVER_URL), on purpose.
 */
class EventDeliveryTest extends ProcessTestSupport {

  static final WireMockServer RECEIVER = localWireMock();
  static final String PUBLIC_URL = "https://metagov.example.org";

  @DynamicPropertySource
  static void eventReceiver(DynamicPropertyRegistry registry) {
    registry.add("metagov.driver.event-receiver-url", () -> RECEIVER.baseUrl() + "/events");
    registry.add("metagov.public-url", () -> PUBLIC_URL);
  }

  @AfterAll
  static void stopReceiver() {
    RECEIVER.stop();
  }

  FakeDiscourse discourse;
  String community;

  @BeforeEach
  void setUp() {
    RECEIVER.resetAll();
    RECEIVER.stubFor(WireMock.post(urlEqualTo("/events")).willReturn(aResponse().withStatus(204)));
    discourse = new FakeDiscourse();
    community = uniqueSlug("events");
    putCommunity(community, "[" + discourse.pluginJson() + "]");
  }

  Response webhook(String eventId, String event, String body, String secret) {
    return send(
        "POST",
        "/api/hooks/" + community + "/discourse",
        body,
        discourse.webhookHeaders(eventId, event, FakeDiscourse.signature(secret, body)));
  }

  /**
   * The webhook-id of the first event of an accepted webhook: derived from the identity the
   * receiver answered.
   */
  static String eventId(Response accepted) {
    return org.metagov.api.webhook.WebhookIdentity.eventId(
        accepted.json().path("id").asString(), 0);
  }

  List<LoggedRequest> received() {
    return RECEIVER.findAll(postRequestedFor(urlEqualTo("/events")));
  }

  @Test
  void aDiscoursePostBecomesAnEventInTheTutorialsShapeOnceEvenWhenRedelivered() {
    String body = FakeDiscourse.postEvent("Hello everyone");
    Response accepted = webhook("901", "post_created", body, FakeDiscourse.WEBHOOK_SECRET);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("events").asInt()).isEqualTo(1);

    await().atMost(Duration.ofSeconds(20)).until(() -> received().size() == 1);
    LoggedRequest request = received().get(0);
    assertStandardWebhook(request, eventId(accepted));
    JsonNode event = Json.parse(request.getBodyAsString());
    assertThat(event.path("community").asString()).isEqualTo(community);
    assertThat(event.path("source").asString()).isEqualTo("discourse");
    assertThat(event.path("event_type").asString()).isEqualTo("post_created");
    assertThat(event.path("timestamp").isString()).isTrue();
    assertThat(Double.parseDouble(event.path("timestamp").asString()))
        .isCloseTo(System.currentTimeMillis() / 1000.0, org.assertj.core.data.Offset.offset(120.0));
    assertThat(event.path("data").path("id").asLong()).isEqualTo(FakeDiscourse.POST_ID);
    assertThat(event.path("initiator").path("user_id").asString()).isEqualTo("alice");
    assertThat(event.path("initiator").path("provider").asString()).isEqualTo("discourse");

    Response again = webhook("901", "post_created", body, FakeDiscourse.WEBHOOK_SECRET);
    assertThat(again.json().path("status").asString()).isEqualTo("duplicate");
    Response forged = webhook("902", "post_created", body, "not-the-secret");
    assertProblem(forged, 401, "bad_signature");
    Response elsewhere =
        send(
            "POST",
            "/api/hooks/no-such-community/discourse",
            body,
            discourse.webhookHeaders(
                "903",
                "post_created",
                FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body)));
    assertProblem(elsewhere, 404, "webhook_not_found");

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> received().size() == 1);
  }

  /** A Discourse {@code user_updated} webhook body for user 5 (carol) with these custom fields. */
  static String userUpdated(String name, String userFields) {
    return "{\"user\": {\"id\": 5, \"username\": \"carol\", \"name\": \""
        + name
        + "\", \"admin\": false,"
        + " \"user_fields\": "
        + userFields
        + "}}";
  }

  @Test
  void discourseUserUpdatesBecomeUserFieldsChangedEventsOnlyWhenTheCustomFieldsChange() {
    assertThat(
            webhook(
                    "951",
                    "user_updated",
                    userUpdated("Carol", "{\"1\": \"blue\"}"),
                    FakeDiscourse.WEBHOOK_SECRET)
                .status())
        .isEqualTo(200);
    // Another change to the user (the name) with the same custom fields is not told.
    assertThat(
            webhook(
                    "952",
                    "user_updated",
                    userUpdated("Carol C.", "{\"1\": \"blue\"}"),
                    FakeDiscourse.WEBHOOK_SECRET)
                .status())
        .isEqualTo(200);
    assertThat(
            webhook(
                    "953",
                    "user_updated",
                    userUpdated("Carol C.", "{\"1\": \"green\", \"2\": \"yes\"}"),
                    FakeDiscourse.WEBHOOK_SECRET)
                .status())
        .isEqualTo(200);

    await().atMost(Duration.ofSeconds(20)).until(() -> received().size() == 2);
    JsonNode first = Json.parse(received().get(0).getBodyAsString());
    assertThat(first.path("event_type").asString()).isEqualTo("user_fields_changed");
    assertThat(first.path("source").asString()).isEqualTo("discourse");
    assertThat(first.path("initiator").path("user_id").asString()).isEqualTo("carol");
    assertThat(first.path("data"))
        .isEqualTo(
            Json.parse(
                "{\"id\": 5, \"username\": \"carol\", \"user_fields\": {\"1\": \"blue\"}, \"old_user_fields\": null}"));
    JsonNode second = Json.parse(received().get(1).getBodyAsString());
    assertThat(second.path("data"))
        .isEqualTo(
            Json.parse(
                "{\"id\": 5, \"username\": \"carol\", \"user_fields\": {\"1\": \"green\", \"2\": \"yes\"}, \"old_user_fields\": {\"1\": \"blue\"}}"));
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> received().size() == 2);
  }

  @Test
  void eventsKeepTheirOrderThroughAReceiverOutage() {
    RECEIVER.resetAll();
    RECEIVER.stubFor(
        WireMock.post(urlEqualTo("/events"))
            .inScenario("outage")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("still down"));
    RECEIVER.stubFor(
        WireMock.post(urlEqualTo("/events"))
            .inScenario("outage")
            .whenScenarioStateIs("still down")
            .willReturn(aResponse().withStatus(503))
            .willSetStateTo("up"));
    RECEIVER.stubFor(
        WireMock.post(urlEqualTo("/events"))
            .inScenario("outage")
            .whenScenarioStateIs("up")
            .willReturn(aResponse().withStatus(200)));

    List<String> queued = new java.util.ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Response accepted =
          webhook(
              "91" + i,
              "post_created",
              FakeDiscourse.postEvent("message " + i),
              FakeDiscourse.WEBHOOK_SECRET);
      assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
      queued.add(eventId(accepted));
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> received().size() >= 5);
    List<String> ids = received().stream().map(r -> r.getHeader("webhook-id")).toList();
    assertThat(ids)
        .containsExactly(queued.get(0), queued.get(0), queued.get(0), queued.get(1), queued.get(2));
    // The receiver has answered the last one; its delivered mark follows the answer.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                send(
                            "GET",
                            "/api/internal/deliveries?status=delivered",
                            null,
                            COMMUNITY_HEADER,
                            community)
                        .json()
                        .path("deliveries")
                        .size()
                    == 3);
    Response delivered =
        send("GET", "/api/internal/deliveries?status=delivered", null, COMMUNITY_HEADER, community);
    assertThat(delivered.json().path("deliveries")).hasSize(3);
    assertThat(delivered.json().path("deliveries").get(0).path("attempts").asInt()).isEqualTo(3);
  }

  @Test
  void enablingOpenCollectiveRegistersItsWebhookOnceAndExpenseWebhooksBecomeEvents()
      throws Exception {
    WireMockServer oc = localWireMock();
    try {
      knowsCoopCollective(oc);
      oc.stubFor(
          graphQl("CreateWebhook")
              .willReturn(
                  WireMock.okJson(
                      "{\"data\": {\"createWebhook\": {\"id\": \"not_4kq9z8wd\", \"activityType\": \"ACTIVITY_ALL\"}}}")));
      oc.stubFor(
          graphQl("OpenCollectiveExpense")
              .willReturn(WireMock.okJson(resource("/opencollective/expense.json"))));
      String slug = uniqueSlug("oc");
      String config =
          "{\"name\": \"opencollective\", \"config\": {\"access_token\": \"oc-personal-token-123\","
              + " \"collective_slug\": \"coop-collective\", \"server_url\": \""
              + oc.baseUrl()
              + "\", \"webhook_slug\": \"ocHook12345\"}}";
      putCommunity(slug, "[" + config + "]");
      putCommunity(slug, "[" + config + "]");

      List<LoggedRequest> registrations =
          oc.findAll(
              postRequestedFor(urlEqualTo("/graphql/v2"))
                  .withRequestBody(
                      WireMock.matchingJsonPath(
                          "$.operationName", WireMock.equalTo("CreateWebhook"))));
      assertThat(registrations).as("registered once, not again on the second PUT").hasSize(1);
      assertThat(
              Json.parse(registrations.get(0).getBodyAsString())
                  .path("variables")
                  .path("webhook")
                  .path("webhookUrl")
                  .asString())
          .isEqualTo(PUBLIC_URL + "/api/hooks/" + slug + "/opencollective/ocHook12345");

      String hint = resource("/opencollective/webhook-expense-approved.json");
      Response accepted = send("POST", "/api/hooks/" + slug + "/opencollective/ocHook12345", hint);
      assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
      assertThat(accepted.json().path("events").asInt()).isEqualTo(1);
      String expenseEvent = eventId(accepted);
      assertThat(
              send("POST", "/api/hooks/" + slug + "/opencollective/ocHook12345", hint)
                  .json()
                  .path("status")
                  .asString())
          .isEqualTo("duplicate");
      assertProblem(
          send("POST", "/api/hooks/" + slug + "/opencollective/wrongSlug999", hint),
          404,
          "webhook_not_found");

      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  received().stream()
                      .anyMatch(r -> expenseEvent.equals(r.getHeader("webhook-id"))));
      JsonNode event =
          Json.parse(
              received().stream()
                  .filter(r -> expenseEvent.equals(r.getHeader("webhook-id")))
                  .findFirst()
                  .orElseThrow()
                  .getBodyAsString());
      assertThat(event.path("source").asString()).isEqualTo("opencollective");
      assertThat(event.path("event_type").asString()).isEqualTo("expense_approved");
      assertThat(event.path("data").path("status").asString())
          .as("re-fetched from the API, not the hint")
          .isEqualTo("APPROVED");
      assertThat(event.path("initiator").path("user_id").asString()).isEqualTo("ben-treasurer");
    } finally {
      oc.stop();
    }
  }
}

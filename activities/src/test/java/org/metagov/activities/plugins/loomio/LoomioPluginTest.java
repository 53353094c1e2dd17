package org.metagov.activities.plugins.loomio;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.PluginState;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.metagov.activities.plugin.ProcessAdapter.ProcessSnapshot;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class LoomioPluginTest {

  /** One client for every test, as in the application; loopback platforms are allowed. */
  static final PlatformHttp HTTP =
      new PlatformHttp(
          new OutboundUrlPolicy(false),
          new OutboundHttp.Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), 4 * 1024 * 1024));

  private static final String KEY = "sekrit-loomio-key-123";
  private static final String COMMUNITY = "coop";

  private final LoomioPlugin plugin = new LoomioPlugin();
  private WireMockServer loomio;
  private PluginContext context;

  @BeforeEach
  void setUp() {
    loomio =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    loomio.start();
    context =
        context(
            config(
                "{\"api_key\": \""
                    + KEY
                    + "\", \"server_url\": \""
                    + loomio.baseUrl()
                    + "/\", \"group_id\": 710495}"));
  }

  @AfterEach
  void tearDown() {
    loomio.stop();
  }

  // --- helpers -----------------------------------------------------------------------------------

  /** Validates and fills a config the way the API does before storing it. */
  private ObjectNode config(String json) {
    ObjectNode config = (ObjectNode) Json.parse(json);
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    return Schemas.withDefaults(plugin.configSchema(), config);
  }

  private PluginContext context(ObjectNode config) {
    return new PluginContext(COMMUNITY, config, HTTP, new MemoryState());
  }

  private ProcessSpec pollSpec() {
    return PluginRegistry.process(plugin, "poll").orElseThrow();
  }

  private ObjectNode params(String json) {
    ObjectNode parameters = (ObjectNode) Json.parse(json);
    List<FieldError> errors = Schemas.validate(pollSpec().inputSchema(), parameters, "parameters");
    assertThat(errors).isEmpty();
    return Schemas.withDefaults(pollSpec().inputSchema(), parameters);
  }

  private ObjectNode pollParams() {
    return params(
        """
        {"title": "Adopt policy X", "options": ["agree", "disagree"], "closing_at": "2099-10-01",
         "details": "Shall we?", "recipient_audience": "group", "notify_recipients": true, "hide_results": "off"}
        """);
  }

  private static String fixture(String name) {
    try (InputStream in = LoomioPluginTest.class.getResourceAsStream("/loomio/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ProcessInstance started(long id, JsonNode parameters) {
    return new ProcessInstance(
        id, COMMUNITY, parameters, Json.parse("{\"poll_id\": 234203, \"poll_key\": \"m20ZprvH\"}"));
  }

  private ActionSpec action(String name) {
    return PluginRegistry.action(plugin, name).orElseThrow();
  }

  private JsonNode runAction(String name, String parametersJson) {
    ActionSpec action = action(name);
    ObjectNode parameters = (ObjectNode) Json.parse(parametersJson);
    assertThat(Schemas.validate(action.inputSchema(), parameters, "parameters")).isEmpty();
    return action.action().run(context, Schemas.withDefaults(action.inputSchema(), parameters));
  }

  /**
   * The same tree with every number in its smallest type, so IntNode and LongNode compare equal.
   */
  static JsonNode norm(JsonNode node) {
    return Json.parse(Json.write(node));
  }

  static final class MemoryState implements PluginState {
    private final Map<String, JsonNode> values = new HashMap<>();

    @Override
    public JsonNode get(String key) {
      return values.get(key);
    }

    @Override
    public void set(String key, JsonNode value) {
      values.put(key, value);
    }
  }

  // --- config and catalogue
  // -----------------------------------------------------------------------

  @Test
  void configSchemaFillsTheServerAndKeepsTheKeySecret() {
    ObjectNode filled = config("{\"api_key\": \"k\"}");
    assertThat(filled.path("server_url").asString()).isEqualTo("https://www.loomio.org");
    assertThat(Schemas.secretFields(plugin.configSchema())).containsExactly("api_key");
    assertThat(Schemas.validate(plugin.configSchema(), Json.parse("{}"), "config"))
        .extracting(FieldError::path)
        .containsExactly("config.api_key");
    assertThat(
            Schemas.validate(
                plugin.configSchema(),
                Json.parse("{\"api_key\": \"k\", \"webhook_slug\": \"short\"}"),
                "config"))
        .extracting(FieldError::path)
        .containsExactly("config.webhook_slug");
    assertThat(
            Schemas.validate(
                plugin.configSchema(), Json.parse("{\"api_key\": \"k\", \"other\": 1}"), "config"))
        .isNotEmpty();
  }

  @Test
  void catalogueSaysThePollCannotCloseEarly() {
    assertThat(pollSpec().closableEarly()).isFalse();
    assertThat(plugin.actions())
        .extracting(ActionSpec::name)
        .containsExactly("create-discussion", "list-members");
    assertThat(plugin.receivesWebhooks()).isTrue();
    assertThat(
            Schemas.withDefaults(pollSpec().inputSchema(), (ObjectNode) Json.parse("{}"))
                .path("poll_type")
                .asString())
        .isEqualTo("proposal");
    assertThat(
            Schemas.validate(
                pollSpec().inputSchema(),
                Json.parse(
                    "{\"title\": \"t\", \"options\": [], \"closing_at\": \"tomorrow\", \"extra\": 1}"),
                "parameters"))
        .extracting(FieldError::path)
        .contains("parameters.options", "parameters.closing_at", "parameters.extra");
  }

  // --- closing_at
  // ---------------------------------------------------------------------------------

  @Test
  void closingAtReadsDatesAsStartOfDayUtcAndDateTimes() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    ProcessAdapter adapter = pollSpec().adapter();
    assertThat(
            adapter.closingAt(
                params("{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2030-02-03\"}"),
                now))
        .isEqualTo(Instant.parse("2030-02-03T00:00:00Z"));
    assertThat(
            adapter.closingAt(
                params(
                    "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2030-02-03T10:00:00+02:00\"}"),
                now))
        .isEqualTo(Instant.parse("2030-02-03T08:00:00Z"));
  }

  @Test
  void closingAtInThePastIsInvalidInput() {
    ObjectNode parameters =
        params("{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2020-01-01\"}");
    assertThatThrownBy(() -> pollSpec().adapter().closingAt(parameters, Instant.now()))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(new FieldError("closing_at", "must be in the future")));
  }

  // --- start -------------------------------------------------------------------------------------

  @Test
  void startPostsANestedPollWithTheBearerKeyAndRecordsIt() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls"))
            .willReturn(okJson("{\"polls\": [], \"meta\": {\"root\": \"polls\"}}")));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls")).willReturn(okJson(fixture("poll-created.json"))));

    ProcessSnapshot snapshot =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));

    loomio.verify(
        getRequestedFor(urlPathEqualTo("/api/b2/polls"))
            .withQueryParam("group_id", equalTo("710495"))
            .withQueryParam("status", equalTo("active"))
            .withHeader("Authorization", equalTo("Bearer " + KEY)));
    loomio.verify(
        postRequestedFor(urlEqualTo("/api/b2/polls"))
            .withHeader("Authorization", equalTo("Bearer " + KEY)));
    JsonNode body =
        Json.parse(
            loomio.findAll(postRequestedFor(urlEqualTo("/api/b2/polls"))).get(0).getBodyAsString());
    JsonNode poll = body.path("poll");
    assertThat(poll.path("title").asString()).isEqualTo("Adopt policy X");
    assertThat(poll.path("poll_type").asString()).isEqualTo("proposal");
    assertThat(poll.path("options")).hasSize(2);
    assertThat(poll.path("options").path(0).asString()).isEqualTo("agree");
    assertThat(poll.path("closing_at").asString()).isEqualTo("2099-10-01T00:00:00Z");
    assertThat(poll.path("details").asString())
        .isEqualTo("Shall we?\n\n<!-- metagov-process:coop:7 -->");
    assertThat(poll.path("details_format").asString()).isEqualTo("md");
    assertThat(poll.path("group_id").asLong()).isEqualTo(710495);
    assertThat(poll.path("hide_results").asString()).isEqualTo("off");
    assertThat(poll.has("recipient_audience")).isFalse();
    assertThat(body.path("recipient_audience").asString()).isEqualTo("group");
    assertThat(body.path("notify_recipients").asBoolean()).isTrue();
    assertThat(body.has("api_key")).isFalse();
    assertThat(loomio.getAllServeEvents())
        .allSatisfy(e -> assertThat(e.getRequest().getUrl()).doesNotContain(KEY));

    assertThat(norm(snapshot.platformState()))
        .isEqualTo(Json.parse("{\"poll_id\": 234203, \"poll_key\": \"m20ZprvH\"}"));
    assertThat(snapshot.url()).isEqualTo(loomio.baseUrl() + "/p/m20ZprvH");
    assertThat(snapshot.routingKeys()).containsExactly("poll:m20ZprvH");
    assertThat(snapshot.closed()).isFalse();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"agree\": 0, \"disagree\": 0}"));
    assertThat(snapshot.outcome().path("poll_url").asString())
        .isEqualTo(loomio.baseUrl() + "/p/m20ZprvH");
  }

  @Test
  void aRetriedStartAdoptsThePollTheFirstAttemptCreated() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls"))
            .inScenario("start")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(okJson("{\"polls\": []}")));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls"))
            .inScenario("start")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(okJson(fixture("poll-created.json")))
            .willSetStateTo("created"));
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls"))
            .inScenario("start")
            .whenScenarioStateIs("created")
            .willReturn(okJson(fixture("poll-created.json"))));

    ProcessSnapshot first =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));
    ProcessSnapshot second =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));

    loomio.verify(1, postRequestedFor(urlEqualTo("/api/b2/polls")));
    assertThat(norm(second.platformState())).isEqualTo(norm(first.platformState()));
    assertThat(second.url()).isEqualTo(first.url());
  }

  @Test
  void aPollOfAnotherProcessIsNotAdopted() {
    // The active poll carries process 7's marker; process 70 must create its own.
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls")).willReturn(okJson(fixture("poll-created.json"))));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls")).willReturn(okJson(fixture("poll-created.json"))));
    pollSpec()
        .adapter()
        .start(context, new ProcessInstance(70, COMMUNITY, pollParams(), Json.object()));
    loomio.verify(1, postRequestedFor(urlEqualTo("/api/b2/polls")));
  }

  @Test
  void startCreatesWhenThisLoomioCannotListPolls() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls"))
            .willReturn(aResponse().withStatus(404).withBody("{\"error\":404}")));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls")).willReturn(okJson(fixture("poll-created.json"))));
    ProcessSnapshot snapshot =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));
    assertThat(snapshot.routingKeys()).containsExactly("poll:m20ZprvH");
    loomio.verify(1, postRequestedFor(urlEqualTo("/api/b2/polls")));
  }

  @Test
  void validationErrorsAreRejectedWithTheFieldsNamed() {
    loomio.stubFor(get(urlPathEqualTo("/api/b2/polls")).willReturn(okJson("{\"polls\": []}")));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"errors\":{\"closing_at\":[\"must be in the future\"],\"title\":[\"can't be blank\"]}}")));

    assertThatThrownBy(
            () ->
                pollSpec()
                    .adapter()
                    .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.retryable()).isFalse();
              assertThat(e.platformStatus()).isEqualTo(422);
              assertThat(e.getMessage())
                  .contains("closing_at must be in the future")
                  .contains("title can't be blank");
            });
  }

  @Test
  void aRefusedKeyIsRejectedWithoutShowingTheKey() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/polls"))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withBody("{\"error\":\"You are not authorized to access this page.\"}")));
    assertThatThrownBy(
            () ->
                pollSpec()
                    .adapter()
                    .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("check the api_key").doesNotContain(KEY);
            });
    loomio.verify(0, postRequestedFor(urlEqualTo("/api/b2/polls")));
  }

  @Test
  void aServerErrorIsRetryable() {
    loomio.stubFor(get(urlPathEqualTo("/api/b2/polls")).willReturn(okJson("{\"polls\": []}")));
    loomio.stubFor(
        post(urlEqualTo("/api/b2/polls")).willReturn(aResponse().withStatus(500).withBody("oops")));
    assertThatThrownBy(
            () ->
                pollSpec()
                    .adapter()
                    .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.FAILED);
              assertThat(e.retryable()).isTrue();
            });
  }

  // --- refresh and close -------------------------------------------------------------------------

  @Test
  void refreshCountsEveryOptionAndIgnoresTheUndecidedRow() {
    loomio.stubFor(
        get(urlEqualTo("/api/b2/polls/m20ZprvH")).willReturn(okJson(fixture("poll-open.json"))));

    ProcessSnapshot snapshot = pollSpec().adapter().refresh(context, started(7, pollParams()));

    loomio.verify(
        getRequestedFor(urlEqualTo("/api/b2/polls/m20ZprvH"))
            .withHeader("Authorization", equalTo("Bearer " + KEY)));
    JsonNode outcome = snapshot.outcome();
    assertThat(norm(outcome.path("votes")))
        .isEqualTo(Json.parse("{\"agree\": 1, \"disagree\": 0}"));
    assertThat(norm(outcome.path("voters")))
        .isEqualTo(Json.parse("{\"agree\": [879750], \"disagree\": []}"));
    assertThat(outcome.path("results_hidden").asBoolean()).isFalse();
    assertThat(outcome.path("voters_count").asInt()).isEqualTo(2);
    assertThat(outcome.path("decided_voters_count").asInt()).isEqualTo(1);
    assertThat(outcome.path("undecided_voters_count").asInt()).isEqualTo(1);
    assertThat(outcome.path("cast_stances_pct").asInt()).isEqualTo(50);
    assertThat(outcome.path("closed_at").isNull()).isTrue();
    assertThat(outcome.path("closing_at").asString()).isEqualTo("2099-10-01T00:00:00.000Z");
    assertThat(snapshot.closed()).isFalse();
    assertThat(snapshot.routingKeys()).containsExactly("poll:m20ZprvH");
  }

  @Test
  void hiddenResultsGiveNullCounts() {
    loomio.stubFor(
        get(urlEqualTo("/api/b2/polls/m20ZprvH")).willReturn(okJson(fixture("poll-hidden.json"))));
    JsonNode outcome = pollSpec().adapter().refresh(context, started(7, pollParams())).outcome();
    assertThat(outcome.path("results_hidden").asBoolean()).isTrue();
    assertThat(norm(outcome.path("votes")))
        .isEqualTo(Json.parse("{\"red\": null, \"green\": null, \"blue\": null}"));
    assertThat(outcome.path("voters_count").asInt()).isEqualTo(3);
  }

  @Test
  void aClosedPollIsReportedClosed() {
    String closed =
        fixture("poll-open.json")
            .replace("\"closed_at\":null", "\"closed_at\":\"2026-10-01T00:00:03.000Z\"");
    loomio.stubFor(get(urlEqualTo("/api/b2/polls/m20ZprvH")).willReturn(okJson(closed)));
    ProcessSnapshot snapshot = pollSpec().adapter().refresh(context, started(7, pollParams()));
    assertThat(snapshot.closed()).isTrue();
    assertThat(snapshot.outcome().path("closed_at").asString())
        .isEqualTo("2026-10-01T00:00:03.000Z");
  }

  @Test
  void closeAtTheDeadlineReportsClosedBeforeLoomioHasClosedIt() {
    String lapsed =
        fixture("poll-open.json").replace("2099-10-01T00:00:00.000Z", "2020-10-01T00:00:00.000Z");
    loomio.stubFor(get(urlEqualTo("/api/b2/polls/m20ZprvH")).willReturn(okJson(lapsed)));
    ProcessSnapshot snapshot = pollSpec().adapter().close(context, started(7, pollParams()));
    assertThat(snapshot.closed()).isTrue();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"agree\": 1, \"disagree\": 0}"));
    loomio.verify(0, postRequestedFor(urlPathEqualTo("/api/b2/polls")));
  }

  @Test
  void closeBeforeTheDeadlineLeavesThePollOpen() {
    loomio.stubFor(
        get(urlEqualTo("/api/b2/polls/m20ZprvH")).willReturn(okJson(fixture("poll-open.json"))));
    assertThat(pollSpec().adapter().close(context, started(7, pollParams())).closed()).isFalse();
  }

  @Test
  void aDeletedPollIsRejected() {
    loomio.stubFor(
        get(urlEqualTo("/api/b2/polls/m20ZprvH"))
            .willReturn(aResponse().withStatus(404).withBody("{\"error\":404}")));
    assertThatThrownBy(() -> pollSpec().adapter().refresh(context, started(7, pollParams())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("m20ZprvH").contains("no longer exists");
            });
  }

  // --- actions -----------------------------------------------------------------------------------

  @Test
  void createDiscussionNestsTheDiscussion() {
    loomio.stubFor(
        post(urlEqualTo("/api/b2/discussions"))
            .willReturn(
                okJson(
                    "{\"discussions\": [{\"id\": 55, \"key\": \"dIsCkEy1\", \"title\": \"Budget\"}], \"users\": [], \"meta\": {\"root\": \"discussions\"}}")));

    JsonNode result =
        runAction(
            "create-discussion",
            "{\"title\": \"Budget\", \"description\": \"Let us talk\", \"recipient_emails\": [\"a@example.org\"]}");

    assertThat(norm(result))
        .isEqualTo(
            Json.parse(
                "{\"id\": 55, \"key\": \"dIsCkEy1\", \"url\": \""
                    + loomio.baseUrl()
                    + "/d/dIsCkEy1\"}"));
    JsonNode body =
        Json.parse(
            loomio
                .findAll(postRequestedFor(urlEqualTo("/api/b2/discussions")))
                .get(0)
                .getBodyAsString());
    assertThat(norm(body.path("discussion")))
        .isEqualTo(
            Json.parse(
                "{\"title\": \"Budget\", \"description\": \"Let us talk\", \"description_format\": \"md\", \"group_id\": 710495}"));
    assertThat(body.path("recipient_emails").path(0).asString()).isEqualTo("a@example.org");
    loomio.verify(
        postRequestedFor(urlEqualTo("/api/b2/discussions"))
            .withHeader("Authorization", equalTo("Bearer " + KEY)));
  }

  @Test
  void listMembersJoinsMembershipsWithUsers() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/memberships"))
            .withQueryParam("group_id", equalTo("42"))
            .willReturn(
                okJson(
                    """
        {"memberships": [{"id": 1, "group_id": 42, "user_id": 10, "admin": true},
                         {"id": 2, "group_id": 42, "user_id": 11, "admin": false}],
         "users": [{"id": 10, "name": "Alice", "username": "alice"}, {"id": 11, "name": "Bob", "username": "bob"}],
         "groups": [{"id": 42}], "meta": {"total": 2}}
        """)));

    JsonNode result = runAction("list-members", "{\"group_id\": 42}");

    assertThat(norm(result))
        .isEqualTo(
            Json.parse(
                """
        {"members": [{"id": 10, "name": "Alice", "username": "alice", "admin": true},
                     {"id": 11, "name": "Bob", "username": "bob", "admin": false}]}
        """));
    loomio.verify(1, getRequestedFor(urlPathEqualTo("/api/b2/memberships")));
  }

  @Test
  void subgroupIsTheGatewaysNameForGroupId() {
    loomio.stubFor(
        get(urlPathEqualTo("/api/b2/memberships"))
            .withQueryParam("group_id", equalTo("42"))
            .willReturn(
                okJson(
                    """
        {"memberships": [{"id": 1, "group_id": 42, "user_id": 10, "admin": true}],
         "users": [{"id": 10, "name": "Alice", "username": "alice"}], "groups": [{"id": 42}], "meta": {"total": 1}}
        """)));

    assertThat(norm(runAction("list-members", "{\"subgroup\": 42}")).path("members")).hasSize(1);
    assertThat(norm(runAction("list-members", "{\"subgroup\": \"42\"}")).path("members"))
        .hasSize(1);
    loomio.verify(
        2,
        getRequestedFor(urlPathEqualTo("/api/b2/memberships"))
            .withQueryParam("group_id", equalTo("42")));

    for (String refused :
        new String[] {
          "{\"subgroup\": 42, \"group_id\": 43}",
          "{\"subgroup\": \"metagov-testing\"}",
          "{\"subgroup\": 0}"
        }) {
      assertThat(
              Schemas.validate(
                  action("list-members").inputSchema(), Json.parse(refused), "parameters"))
          .as(refused)
          .isNotEmpty();
    }
    assertThat(
            Schemas.validate(
                action("create-discussion").inputSchema(),
                Json.parse("{\"title\": \"t\", \"subgroup\": 42}"),
                "parameters"))
        .isEmpty();
    assertThat(
            Schemas.validate(
                pollSpec().inputSchema(),
                Json.parse(
                    "{\"title\": \"t\", \"options\": [\"a\"], \"closing_at\": \"2030-01-01\", \"subgroup\": 42, \"group_id\": 42}"),
                "parameters"))
        .isNotEmpty();
  }

  @Test
  void listMembersNeedsAGroup() {
    context =
        context(
            config("{\"api_key\": \"" + KEY + "\", \"server_url\": \"" + loomio.baseUrl() + "\"}"));
    assertThatThrownBy(() -> runAction("list-members", "{}"))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> assertThat(e.errors().get(0).path()).isEqualTo("parameters.group_id"));
  }

  // --- webhooks ----------------------------------------------------------------------------------

  @Test
  void webhookTextIsAHintNamingThePoll() {
    String body =
        """
        {"text": "Alice started a proposal: [Adopt policy X](https://www.loomio.org/p/m20ZprvH/adopt-policy-x)\\n\\n**[Adopt policy X](https://www.loomio.org/p/m20ZprvH/adopt-policy-x)**\\n- [agree](https://www.loomio.org/p/m20ZprvH?poll_option_id=940809)",
         "icon_url": "https://www.loomio.org/brand/logo_gold.png", "username": "Loomio"}
        """;
    plugin
        .webhookHandler()
        .verify(WebhookRequest.of(context, Map.of(), body.getBytes(StandardCharsets.UTF_8)));
    ParsedWebhook parsed =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), body.getBytes(StandardCharsets.UTF_8)));
    assertThat(parsed.routingKeys()).containsExactly("poll:m20ZprvH");
    assertThat(parsed.eventType()).isNull();
    assertThat(parsed.events()).isEmpty();
  }

  @Test
  void webhookWithoutAPollLinkConcernsNoProcess() {
    String body =
        "{\"text\": \"Bob started a thread: [Budget](https://www.loomio.org/d/dIsCkEy1/budget)\"}";
    assertThat(
            plugin
                .webhookHandler()
                .parse(WebhookRequest.of(context, Map.of(), body.getBytes(StandardCharsets.UTF_8)))
                .routingKeys())
        .isEmpty();
  }

  @Test
  void threadMessagesBecomeEventsForTheDriver() {
    String thread =
        "{\"text\": \"Bob started a thread: [Budget](https://www.loomio.org/d/dIsCkEy1/budget)\", \"username\": \"Loomio\"}";
    ParsedWebhook started =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), thread.getBytes(StandardCharsets.UTF_8)));
    assertThat(started.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.eventType()).isEqualTo("new_discussion");
              assertThat(event.data().path("discussion_key").asString()).isEqualTo("dIsCkEy1");
              assertThat(event.data().path("url").asString())
                  .isEqualTo("https://www.loomio.org/d/dIsCkEy1/budget");
            });

    String comment =
        "{\"text\": \"Ann commented on [Budget](https://www.loomio.org/d/dIsCkEy1/budget/3)\"}";
    assertThat(
            plugin
                .webhookHandler()
                .parse(
                    WebhookRequest.of(context, Map.of(), comment.getBytes(StandardCharsets.UTF_8)))
                .events())
        .extracting(event -> event.eventType())
        .containsExactly("new_comment");

    String poll =
        "{\"text\": \"Ann voted on [Adopt X](https://www.loomio.org/p/m20ZprvH/adopt-x)\"}";
    assertThat(
            plugin
                .webhookHandler()
                .parse(WebhookRequest.of(context, Map.of(), poll.getBytes(StandardCharsets.UTF_8)))
                .events())
        .isEmpty();
  }

  @Test
  void unreadableWebhooksAreInvalidInput() {
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .parse(
                        WebhookRequest.of(
                            context, Map.of(), "not json".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidInputException.class);
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .parse(
                        WebhookRequest.of(
                            context,
                            Map.of(),
                            "{\"kind\": \"poll_closed\"}".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidInputException.class);
  }
}

package org.metagov.activities.plugins.discourse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
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
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.metagov.activities.plugin.ProcessAdapter.ProcessSnapshot;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class DiscoursePluginTest {

  /** One client for every test, as in the application; loopback platforms are allowed. */
  static final PlatformHttp HTTP =
      new PlatformHttp(
          new OutboundUrlPolicy(false),
          new OutboundHttp.Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), 4 * 1024 * 1024));

  private static final String KEY = "discourse-api-key-xyz";
  private static final String SECRET = "hook-secret-abc";
  private static final String COMMUNITY = "coop";
  private static final String TITLE = "Should we adopt policy X?";

  private final DiscoursePlugin plugin = new DiscoursePlugin();
  private WireMockServer discourse;
  private PluginContext context;

  @BeforeEach
  void setUp() {
    discourse =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    discourse.start();
    context =
        context(
            "{\"server_url\": \""
                + discourse.baseUrl()
                + "\", \"api_key\": \""
                + KEY
                + "\", \"webhook_secret\": \""
                + SECRET
                + "\"}");
  }

  @AfterEach
  void tearDown() {
    discourse.stop();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private PluginContext context(String configJson) {
    ObjectNode config = (ObjectNode) Json.parse(configJson);
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    return new PluginContext(
        COMMUNITY, Schemas.withDefaults(plugin.configSchema(), config), HTTP, new MemoryState());
  }

  private ProcessSpec pollSpec() {
    return PluginRegistry.process(plugin, "poll").orElseThrow();
  }

  private ObjectNode params(String json) {
    ObjectNode parameters = (ObjectNode) Json.parse(json);
    assertThat(Schemas.validate(pollSpec().inputSchema(), parameters, "parameters")).isEmpty();
    return Schemas.withDefaults(pollSpec().inputSchema(), parameters);
  }

  private ObjectNode pollParams() {
    return params(
        "{\"title\": \""
            + TITLE
            + "\", \"options\": [\"Yes\", \"No\"], \"details\": \"Please vote.\","
            + " \"closing_at\": \"2099-10-01T12:00:00Z\", \"category\": 5, \"chart_type\": \"pie\"}");
  }

  private static ProcessInstance started(JsonNode parameters) {
    return new ProcessInstance(
        7,
        COMMUNITY,
        parameters,
        Json.parse(
            "{\"post_id\": 123, \"topic_id\": 45, \"topic_slug\": \"should-we-adopt-policy-x\", \"post_number\": 1, \"poll_name\": \"poll\"}"));
  }

  private static String pollJson(String status, String options) {
    return "{\"id\": 7, \"name\": \"poll\", \"type\": \"regular\", \"status\": \""
        + status
        + "\", \"public\": true,"
        + " \"results\": \"always\", \"options\": "
        + options
        + ", \"voters\": 4, \"close\": \"2099-10-01T12:00:00.000Z\","
        + " \"chart_type\": \"pie\", \"title\": null}";
  }

  private static final String COUNTED =
      "[{\"id\": \"b2c3\", \"html\": \"Yes\", \"votes\": 4}, {\"id\": \"d4e5\", \"html\": \"No\", \"votes\": 0}]";
  private static final String HIDDEN =
      "[{\"id\": \"b2c3\", \"html\": \"Yes\"}, {\"id\": \"d4e5\", \"html\": \"No\"}]";

  private static String postJson(String poll) {
    return "{\"id\": 123, \"topic_id\": 45, \"topic_slug\": \"should-we-adopt-policy-x\", \"post_number\": 1,"
        + " \"username\": \"system\", \"user_id\": -1, \"raw\": \"Please vote.\\n\\n[poll name=poll]\\n* Yes\\n* No\\n[/poll]\\n\\n"
        + "<!-- metagov-process:coop:7 -->\", \"cooked\": \"<p>Please vote.</p>\", \"polls\": ["
        + poll
        + "]}";
  }

  static JsonNode norm(JsonNode node) {
    return Json.parse(Json.write(node));
  }

  private JsonNode runAction(String name, String parametersJson) {
    ActionSpec action = PluginRegistry.action(plugin, name).orElseThrow();
    ObjectNode parameters = (ObjectNode) Json.parse(parametersJson);
    assertThat(Schemas.validate(action.inputSchema(), parameters, "parameters")).isEmpty();
    return action.action().run(context, Schemas.withDefaults(action.inputSchema(), parameters));
  }

  private JsonNode lastPostBody() {
    var requests = discourse.findAll(postRequestedFor(urlEqualTo("/posts.json")));
    return Json.parse(requests.get(requests.size() - 1).getBodyAsString());
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
  void configNeedsAServerAndDefaultsTheUsername() {
    assertThat(context.config().path("api_username").asString()).isEqualTo("system");
    assertThat(Schemas.secretFields(plugin.configSchema()))
        .containsExactlyInAnyOrder("api_key", "webhook_secret");
    assertThat(
            Schemas.validate(plugin.configSchema(), Json.parse("{\"api_key\": \"k\"}"), "config"))
        .extracting(FieldError::path)
        .containsExactly("config.server_url");
  }

  @Test
  void catalogue() {
    assertThat(pollSpec().closableEarly()).isTrue();
    assertThat(plugin.eventTypes())
        .containsExactly("post_created", "topic_created", "user_fields_changed");
    assertThat(plugin.actions())
        .extracting(ActionSpec::name)
        .containsExactly(
            "create-post",
            "create-topic",
            "create-message",
            "delete-post",
            "delete-topic",
            "recover-post",
            "recover-topic",
            "lock-post");
  }

  @Test
  void pollInputIsChecked() {
    assertThat(
            Schemas.validate(
                pollSpec().inputSchema(),
                Json.parse("{\"title\": \"Too short\", \"options\": [\"a\\nb\"]}"),
                "parameters"))
        .extracting(FieldError::path)
        .contains("parameters.title", "parameters.options[0]");
    ObjectNode breakout =
        params("{\"title\": \"" + TITLE + "\", \"options\": [\"Yes [/poll] [poll]\"]}");
    assertThatThrownBy(() -> pollSpec().adapter().closingAt(breakout, Instant.now()))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> assertThat(e.errors().get(0).path()).isEqualTo("options[0]"));
  }

  @Test
  void closingAtIsOptionalButMustBeInTheFuture() {
    assertThat(
            pollSpec()
                .adapter()
                .closingAt(
                    params("{\"title\": \"" + TITLE + "\", \"options\": [\"a\"]}"), Instant.now()))
        .isNull();
    assertThat(pollSpec().adapter().closingAt(pollParams(), Instant.now()))
        .isEqualTo(Instant.parse("2099-10-01T12:00:00Z"));
    ObjectNode past =
        params(
            "{\"title\": \"" + TITLE + "\", \"options\": [\"a\"], \"closing_at\": \"2020-01-01\"}");
    assertThatThrownBy(() -> pollSpec().adapter().closingAt(past, Instant.now()))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(new FieldError("closing_at", "must be in the future")));
  }

  // --- start -------------------------------------------------------------------------------------

  @Test
  void startPostsATopicWithAPollBlock() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(okJson(postJson(pollJson("open", COUNTED.replace("4", "0"))))));

    ProcessSnapshot snapshot =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));

    discourse.verify(
        postRequestedFor(urlEqualTo("/posts.json"))
            .withHeader("Api-Key", equalTo(KEY))
            .withHeader("Api-Username", equalTo("system")));
    JsonNode body = lastPostBody();
    assertThat(body.path("title").asString()).isEqualTo(TITLE);
    assertThat(body.path("category").asInt()).isEqualTo(5);
    assertThat(body.path("external_id").asString())
        .isEqualTo(DiscoursePoll.externalId(COMMUNITY, 7))
        .matches("[\\w-]{1,50}");
    assertThat(body.has("topic_id")).isFalse();
    assertThat(body.path("raw").asString())
        .isEqualTo(
            """
        Please vote.

        [poll name=poll type=regular results=always public=true close=2099-10-01T12:00:00Z chartType=pie]
        * Yes
        * No
        [/poll]

        <!-- metagov-process:coop:7 -->""");

    assertThat(norm(snapshot.platformState()))
        .isEqualTo(
            Json.parse(
                "{\"post_id\": 123, \"topic_id\": 45, \"topic_slug\": \"should-we-adopt-policy-x\", \"post_number\": 1, \"poll_name\": \"poll\"}"));
    assertThat(snapshot.url()).isEqualTo(discourse.baseUrl() + "/t/should-we-adopt-policy-x/45/1");
    assertThat(snapshot.routingKeys()).containsExactly("post:123", "topic:45");
    assertThat(snapshot.closed()).isFalse();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"Yes\": 0, \"No\": 0}"));
  }

  @Test
  void startAsAReplyTitlesThePoll() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json")).willReturn(okJson(postJson(pollJson("open", COUNTED)))));
    ObjectNode parameters =
        params(
            "{\"title\": \""
                + TITLE
                + "\", \"options\": [\"Yes\", \"No\"], \"topic_id\": 45,"
                + " \"poll_type\": \"multiple\", \"min\": 1, \"max\": 2, \"public\": false, \"results\": \"on_close\"}");

    pollSpec()
        .adapter()
        .start(context, new ProcessInstance(7, COMMUNITY, parameters, Json.object()));

    JsonNode body = lastPostBody();
    assertThat(body.path("topic_id").asInt()).isEqualTo(45);
    assertThat(body.has("title")).isFalse();
    assertThat(body.has("external_id")).isFalse();
    assertThat(body.path("raw").asString())
        .startsWith(
            """
        [poll name=poll type=multiple results=on_close public=false min=1 max=2]
        # Should we adopt policy X?
        * Yes
        * No
        [/poll]""");
  }

  @Test
  void startReadsThePostWhenTheAnswerHasNoPolls() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(
                okJson(
                    "{\"id\": 123, \"topic_id\": 45, \"topic_slug\": \"should-we-adopt-policy-x\", \"post_number\": 1}")));
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json")).willReturn(okJson(postJson(pollJson("open", COUNTED)))));
    ProcessSnapshot snapshot =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"Yes\": 4, \"No\": 0}"));
  }

  @Test
  void aRetriedStartAdoptsTheTopicWithItsExternalId() {
    String externalId = DiscoursePoll.externalId(COMMUNITY, 7);
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"action\": \"create_post\", \"errors\": [\"Title has already been used\", \"External ID has already been taken\"]}")));
    discourse.stubFor(
        get(urlEqualTo("/t/external_id/" + externalId + ".json"))
            .willReturn(
                aResponse()
                    .withStatus(302)
                    .withHeader(
                        "Location", discourse.baseUrl() + "/t/should-we-adopt-policy-x/45.json")));
    discourse.stubFor(
        get(urlEqualTo("/t/45.json"))
            .willReturn(
                okJson(
                    "{\"id\": 45, \"slug\": \"should-we-adopt-policy-x\", \"post_stream\": {\"posts\": [{\"id\": 123, \"post_number\": 1}], \"stream\": [123]}}")));
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json")).willReturn(okJson(postJson(pollJson("open", COUNTED)))));

    ProcessSnapshot snapshot =
        pollSpec()
            .adapter()
            .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object()));

    discourse.verify(1, postRequestedFor(urlEqualTo("/posts.json")));
    assertThat(snapshot.platformState().path("post_id").asLong()).isEqualTo(123);
    assertThat(snapshot.routingKeys()).containsExactly("post:123", "topic:45");
  }

  @Test
  void aRefusedStartWithNoEarlierTopicIsRejectedWithTheReasons() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"action\": \"create_post\", \"errors\": [\"Title seems unclear, is it a complete sentence?\"]}")));
    discourse.stubFor(
        get(urlEqualTo("/t/external_id/" + DiscoursePoll.externalId(COMMUNITY, 7) + ".json"))
            .willReturn(
                aResponse()
                    .withStatus(404)
                    .withBody(
                        "{\"errors\": [\"The requested URL or resource could not be found.\"], \"error_type\": \"not_found\"}")));

    assertThatThrownBy(
            () ->
                pollSpec()
                    .adapter()
                    .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(422);
              assertThat(e.getMessage()).contains("Title seems unclear").doesNotContain(KEY);
            });
  }

  @Test
  void aQueuedPostIsRejected() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(okJson("{\"action\": \"enqueued\", \"pending_post\": {\"id\": 9}}")));
    assertThatThrownBy(
            () ->
                pollSpec()
                    .adapter()
                    .start(context, new ProcessInstance(7, COMMUNITY, pollParams(), Json.object())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED));
  }

  @Test
  void aServerErrorIsRetryable() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(aResponse().withStatus(502).withBody("bad gateway")));
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
  void refreshCountsVotesIncludingZero() {
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json"))
            .willReturn(
                okJson(
                    postJson(
                        pollJson(
                            "open",
                            "[{\"id\": \"b2c3\", \"html\": \"<strong>Yes</strong> &amp; more\", \"votes\": 3}, {\"id\": \"d4e5\", \"html\": \"No\", \"votes\": 0}]")))));

    ProcessSnapshot snapshot = pollSpec().adapter().refresh(context, started(pollParams()));

    assertThat(norm(snapshot.outcome()))
        .isEqualTo(
            Json.parse(
                "{\"poll_url\": \""
                    + discourse.baseUrl()
                    + "/t/should-we-adopt-policy-x/45/1\", \"votes\": {\"Yes & more\": 3, \"No\": 0}, \"results_hidden\": false,"
                    + " \"voters\": 4, \"status\": \"open\"}"));
    assertThat(snapshot.closed()).isFalse();
  }

  @Test
  void hiddenVotesAreNull() {
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json")).willReturn(okJson(postJson(pollJson("open", HIDDEN)))));
    JsonNode outcome = pollSpec().adapter().refresh(context, started(pollParams())).outcome();
    assertThat(outcome.path("results_hidden").asBoolean()).isTrue();
    assertThat(norm(outcome.path("votes"))).isEqualTo(Json.parse("{\"Yes\": null, \"No\": null}"));
  }

  @Test
  void aPollClosedOnDiscourseEndsTheProcess() {
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json"))
            .willReturn(okJson(postJson(pollJson("closed", COUNTED)))));
    ProcessSnapshot snapshot = pollSpec().adapter().refresh(context, started(pollParams()));
    assertThat(snapshot.closed()).isTrue();
    assertThat(snapshot.outcome().path("status").asString()).isEqualTo("closed");
  }

  @Test
  void aDeletedPostIsRejected() {
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json"))
            .willReturn(
                aResponse()
                    .withStatus(404)
                    .withBody(
                        "{\"errors\": [\"The requested URL or resource could not be found.\"], \"error_type\": \"not_found\"}")));
    assertThatThrownBy(() -> pollSpec().adapter().refresh(context, started(pollParams())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("123").contains("no longer exists");
            });
  }

  @Test
  void closeTogglesThePollStatus() {
    discourse.stubFor(
        put(urlEqualTo("/polls/toggle_status"))
            .willReturn(okJson("{\"poll\": " + pollJson("closed", COUNTED) + "}")));

    ProcessSnapshot snapshot = pollSpec().adapter().close(context, started(pollParams()));

    discourse.verify(
        putRequestedFor(urlEqualTo("/polls/toggle_status"))
            .withHeader("Api-Key", equalTo(KEY))
            .withHeader("Api-Username", equalTo("system"))
            .withRequestBody(
                equalToJson(
                    "{\"post_id\": 123, \"poll_name\": \"poll\", \"status\": \"closed\"}")));
    assertThat(snapshot.closed()).isTrue();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"Yes\": 4, \"No\": 0}"));
    assertThat(snapshot.url()).isEqualTo(discourse.baseUrl() + "/t/should-we-adopt-policy-x/45/1");
    assertThat(snapshot.routingKeys()).containsExactly("post:123", "topic:45");
  }

  @Test
  void closingAnAlreadyClosedPollReadsItBack() {
    discourse.stubFor(
        put(urlEqualTo("/polls/toggle_status"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withBody("{\"errors\": [\"Poll is already closed\"]}")));
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json"))
            .willReturn(okJson(postJson(pollJson("closed", COUNTED)))));
    ProcessSnapshot snapshot = pollSpec().adapter().close(context, started(pollParams()));
    assertThat(snapshot.closed()).isTrue();
  }

  @Test
  void aRefusedCloseOfAnOpenPollIsRejected() {
    discourse.stubFor(
        put(urlEqualTo("/polls/toggle_status"))
            .willReturn(
                aResponse()
                    .withStatus(422)
                    .withBody(
                        "{\"errors\": [\"Only staff or the original poster can toggle status\"]}")));
    discourse.stubFor(
        get(urlEqualTo("/posts/123.json")).willReturn(okJson(postJson(pollJson("open", COUNTED)))));
    assertThatThrownBy(() -> pollSpec().adapter().close(context, started(pollParams())))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("Only staff or the original poster");
            });
  }

  // --- actions -----------------------------------------------------------------------------------

  @Test
  void actionsCreatePostsTopicsAndMessages() {
    discourse.stubFor(
        post(urlEqualTo("/posts.json"))
            .willReturn(
                okJson(
                    "{\"id\": 200, \"topic_id\": 46, \"topic_slug\": \"hello\", \"post_number\": 3, \"username\": \"system\"}")));
    String expected =
        "{\"id\": 200, \"post_id\": 200, \"topic_id\": 46, \"post_number\": 3, \"url\": \""
            + discourse.baseUrl()
            + "/t/hello/46/3\"}";

    assertThat(norm(runAction("create-post", "{\"raw\": \"Hi there\", \"topic_id\": 46}")))
        .isEqualTo(Json.parse(expected));
    assertThat(norm(lastPostBody()))
        .isEqualTo(Json.parse("{\"raw\": \"Hi there\", \"topic_id\": 46}"));

    assertThat(
            norm(
                runAction(
                    "create-topic",
                    "{\"title\": \"A fine topic title\", \"raw\": \"Body\", \"category\": 5}")))
        .isEqualTo(Json.parse(expected));
    assertThat(norm(lastPostBody()))
        .isEqualTo(
            Json.parse("{\"title\": \"A fine topic title\", \"raw\": \"Body\", \"category\": 5}"));

    runAction(
        "create-message",
        "{\"title\": \"Private note\", \"raw\": \"Psst\", \"target_recipients\": [\"alice\", \"bob\"]}");
    assertThat(norm(lastPostBody()))
        .isEqualTo(
            Json.parse(
                "{\"title\": \"Private note\", \"raw\": \"Psst\", \"archetype\": \"private_message\", \"target_recipients\": \"alice,bob\"}"));
    discourse.verify(
        3, postRequestedFor(urlEqualTo("/posts.json")).withHeader("Api-Key", equalTo(KEY)));
  }

  // --- webhooks ----------------------------------------------------------------------------------

  private static final String POST_EVENT =
      "{\"post\": {\"id\": 300, \"username\": \"alice\", \"topic_id\": 45,"
          + " \"topic_slug\": \"should-we-adopt-policy-x\", \"post_number\": 2, \"raw\": \"I agree\", \"cooked\": \"<p>I agree</p>\"}}";

  private Map<String, String> headers(String body, String event) {
    return new HashMap<>(
        Map.of(
            "x-discourse-instance",
            discourse.baseUrl() + "/",
            "x-discourse-event-id",
            "901",
            "x-discourse-event-type",
            event.startsWith("topic") ? "topic" : "post",
            "x-discourse-event",
            event,
            "x-discourse-event-signature",
            "sha256="
                + WebhookSignatures.hmacSha256Hex(SECRET, body.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aSignedWebhookIsAccepted() {
    WebhookHandler handler = plugin.webhookHandler();
    assertThatCode(
            () ->
                handler.verify(
                    WebhookRequest.of(
                        context,
                        headers(POST_EVENT, "post_created"),
                        POST_EVENT.getBytes(StandardCharsets.UTF_8))))
        .doesNotThrowAnyException();
  }

  @Test
  void badOrMissingSignaturesAreRejected() {
    WebhookHandler handler = plugin.webhookHandler();
    byte[] body = POST_EVENT.getBytes(StandardCharsets.UTF_8);
    Map<String, String> tampered =
        headers(POST_EVENT.replace("I agree", "I disagree"), "post_created");
    assertThatThrownBy(() -> handler.verify(WebhookRequest.of(context, tampered, body)))
        .isInstanceOf(WebhookRejectedException.class);
    Map<String, String> unsigned = headers(POST_EVENT, "post_created");
    unsigned.remove("x-discourse-event-signature");
    assertThatThrownBy(() -> handler.verify(WebhookRequest.of(context, unsigned, body)))
        .isInstanceOf(WebhookRejectedException.class);
    PluginContext otherSecret =
        context(
            "{\"server_url\": \""
                + discourse.baseUrl()
                + "\", \"api_key\": \"k\", \"webhook_secret\": \"other\"}");
    assertThatThrownBy(
            () ->
                handler.verify(
                    WebhookRequest.of(otherSecret, headers(POST_EVENT, "post_created"), body)))
        .isInstanceOf(WebhookRejectedException.class);
  }

  @Test
  void webhooksAreRefusedWithoutAConfiguredSecret() {
    PluginContext noSecret =
        context("{\"server_url\": \"" + discourse.baseUrl() + "\", \"api_key\": \"k\"}");
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .verify(
                        WebhookRequest.of(
                            noSecret,
                            headers(POST_EVENT, "post_created"),
                            POST_EVENT.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("webhook_secret");
  }

  @Test
  void aWebhookFromAnotherInstanceIsRejected() {
    Map<String, String> headers = headers(POST_EVENT, "post_created");
    headers.put("x-discourse-instance", "https://evil.example.org");
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .verify(
                        WebhookRequest.of(
                            context, headers, POST_EVENT.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("evil.example.org");
  }

  @Test
  void postCreatedRoutesToThePostAndTopicAndBecomesAnEvent() {
    ParsedWebhook parsed =
        plugin
            .webhookHandler()
            .parse(
                WebhookRequest.of(
                    context,
                    headers(POST_EVENT, "post_created"),
                    POST_EVENT.getBytes(StandardCharsets.UTF_8)));
    assertThat(parsed.eventType()).isEqualTo("post_created");
    assertThat(parsed.routingKeys()).containsExactly("post:300", "topic:45");
    assertThat(parsed.events()).hasSize(1);
    assertThat(parsed.events().get(0).eventType()).isEqualTo("post_created");
    assertThat(parsed.events().get(0).initiatorUserId()).isEqualTo("alice");
    assertThat(parsed.events().get(0).data().path("raw").asString()).isEqualTo("I agree");
  }

  @Test
  void topicCreatedBecomesAnEventOfItsCreator() {
    String body =
        "{\"topic\": {\"id\": 46, \"title\": \"A new topic here\", \"slug\": \"a-new-topic-here\", \"category_id\": 5,"
            + " \"tags\": [], \"created_by\": {\"id\": 2, \"username\": \"bob\", \"name\": \"Bob\"}}}";
    ParsedWebhook parsed =
        plugin
            .webhookHandler()
            .parse(
                WebhookRequest.of(
                    context,
                    headers(body, "topic_created"),
                    body.getBytes(StandardCharsets.UTF_8)));
    assertThat(parsed.routingKeys()).containsExactly("topic:46");
    assertThat(parsed.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.eventType()).isEqualTo("topic_created");
              assertThat(event.initiatorUserId()).isEqualTo("bob");
              assertThat(event.data().path("title").asString()).isEqualTo("A new topic here");
            });
  }

  @Test
  void otherWebhooksCarryNoEvents() {
    String ping = "{\"ping\": \"OK\"}";
    ParsedWebhook parsed =
        plugin
            .webhookHandler()
            .parse(
                WebhookRequest.of(
                    context, headers(ping, "ping"), ping.getBytes(StandardCharsets.UTF_8)));
    assertThat(parsed.routingKeys()).isEmpty();
    assertThat(parsed.events()).isEmpty();
    ParsedWebhook edited =
        plugin
            .webhookHandler()
            .parse(
                WebhookRequest.of(
                    context,
                    headers(POST_EVENT, "post_edited"),
                    POST_EVENT.getBytes(StandardCharsets.UTF_8)));
    assertThat(edited.routingKeys()).containsExactly("post:300", "topic:45");
    assertThat(edited.events()).isEmpty();
  }

  @Test
  void formEncodedWebhooksAreRead() {
    String form = "payload=" + URLEncoder.encode(POST_EVENT, StandardCharsets.UTF_8);
    ParsedWebhook parsed =
        plugin
            .webhookHandler()
            .parse(
                WebhookRequest.of(
                    context, headers(form, "post_created"), form.getBytes(StandardCharsets.UTF_8)));
    assertThat(parsed.routingKeys()).containsExactly("post:300", "topic:45");
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .parse(
                        WebhookRequest.of(
                            context, Map.of(), "nope".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidInputException.class);
  }
}

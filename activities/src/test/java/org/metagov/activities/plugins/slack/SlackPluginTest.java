package org.metagov.activities.plugins.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InstalledApp.AppWebhookRoute;
import org.metagov.activities.plugin.InstalledApp.InstallRefusedException;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginState;
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.metagov.activities.plugin.ProcessAdapter.ProcessSnapshot;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Slack plugin against a fake Slack Web API (WireMock on 127.0.0.1) that answers as Slack does.
 */
class SlackPluginTest {

  private static final String TOKEN = "xoxb-1111-2222-abcdef";
  private static final String SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  private static final String COMMUNITY = "coop";
  private static final Instant NOW = Instant.parse("2030-03-01T12:00:00Z");
  private static final String CHANNEL = "C0VOTES01";
  private static final String TS = "1700000000.000100";

  private WireMockServer slack;
  private SlackPlugin plugin;
  private MemoryState state;
  private PluginContext context;

  @BeforeEach
  void setUp() {
    slack =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    slack.start();
    plugin = new SlackPlugin(properties(), Clock.fixed(NOW, ZoneOffset.UTC));
    state = new MemoryState();
    ObjectNode config =
        (ObjectNode)
            Json.parse(
                "{\"team_id\": \"T0TEAM001\", \"team_name\": \"Coop\", \"bot_user_id\": \"U0BOT0001\","
                    + " \"bot_token\": \""
                    + TOKEN
                    + "\", \"installer_user_id\": \"U0ADMIN01\"}");
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    context =
        new PluginContext(
            COMMUNITY,
            config,
            new PlatformHttp(
                new org.metagov.activities.delivery.OutboundUrlPolicy(false),
                new org.metagov.activities.http.OutboundHttp.Limits(
                    Duration.ofSeconds(2), Duration.ofSeconds(5), 4 * 1024 * 1024)),
            state);
  }

  @AfterEach
  void tearDown() {
    slack.stop();
  }

  private SlackProperties properties() {
    return new SlackProperties(
        "1234.5678",
        "client-secret-xyz",
        SIGNING_SECRET,
        slack.baseUrl() + "/api",
        "https://slack.example/oauth/v2/authorize",
        List.of("chat:write", "channels:history"),
        List.of());
  }

  static final class MemoryState implements PluginState {
    final Map<String, JsonNode> values = new HashMap<>();

    @Override
    public JsonNode get(String key) {
      return values.get(key);
    }

    @Override
    public void set(String key, JsonNode value) {
      values.put(key, value);
    }
  }

  private void answer(String method, String json) {
    slack.stubFor(post(urlEqualTo("/api/" + method)).willReturn(okJson(json)));
  }

  private List<LoggedRequest> calls(String method) {
    return slack.findAll(postRequestedFor(urlEqualTo("/api/" + method)));
  }

  private static Map<String, String> form(LoggedRequest request) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : request.getBodyAsString().split("&")) {
      int equals = pair.indexOf('=');
      fields.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  private ActionSpec action(String name) {
    return plugin.actions().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }

  private ProcessSpec process(String name) {
    return plugin.processes().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
  }

  private JsonNode run(String action, String parameters) {
    ActionSpec spec = action(action);
    JsonNode input = Json.parse(parameters);
    Schemas.requireValid(spec.inputSchema(), input, "parameters", "parameters");
    return spec.action().run(context, input);
  }

  // --- Web API client
  // ------------------------------------------------------------------------------

  @Test
  void writeMethodsGoAsJsonAndReadMethodsAsFormsBothWithTheBearerToken() {
    answer("chat.postMessage", "{\"ok\": true, \"channel\": \"C1\", \"ts\": \"1.2\"}");
    answer("users.info", "{\"ok\": true, \"user\": {\"id\": \"U1\", \"is_admin\": true}}");
    SlackApi api = plugin.api(context);
    api.call(
        "chat.postMessage",
        Json.parse("{\"channel\": \"C1\", \"blocks\": [{\"type\": \"divider\"}]}"));
    api.call("users.info", Json.parse("{\"user\": \"U1\", \"include_locale\": true}"));

    LoggedRequest message = calls("chat.postMessage").get(0);
    assertThat(message.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(message.getHeader("Content-Type"))
        .isEqualToIgnoringCase("application/json; charset=utf-8");
    assertThat(Json.parse(message.getBodyAsString()).path("blocks").path(0).path("type").asString())
        .isEqualTo("divider");
    assertThat(message.getBodyAsString()).doesNotContain(TOKEN);
    LoggedRequest info = calls("users.info").get(0);
    assertThat(info.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(info.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    assertThat(form(info))
        .containsEntry("user", "U1")
        .containsEntry("include_locale", "true")
        .doesNotContainKey("token");
  }

  @Test
  void slacksErrorAnswersBecomeFailuresThatSayWhetherToRetry() {
    SlackApi api = plugin.api(context);
    answer("chat.update", "{\"ok\": false, \"error\": \"channel_not_found\"}");
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(400);
              assertThat(e.getMessage()).contains("channel_not_found");
              assertThat(SlackApi.error(e)).isEqualTo("channel_not_found");
            });
    answer("chat.update", "{\"ok\": false, \"error\": \"invalid_auth\"}");
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(401);
              assertThat(e.getMessage()).doesNotContain(TOKEN);
            });
    answer(
        "chat.update", "{\"ok\": false, \"error\": \"missing_scope\", \"needed\": \"chat:write\"}");
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class, e -> assertThat(e.platformStatus()).isEqualTo(403));
    answer("chat.update", "{\"ok\": false, \"error\": \"internal_error\"}");
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.retryable()).isTrue());
    slack.stubFor(
        post(urlEqualTo("/api/chat.update"))
            .willReturn(
                aResponse()
                    .withStatus(429)
                    .withHeader("Retry-After", "7")
                    .withBody("{\"ok\": false, \"error\": \"ratelimited\"}")));
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
              assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
            });
    slack.stubFor(
        post(urlEqualTo("/api/chat.update"))
            .willReturn(aResponse().withStatus(503).withBody("upstream down")));
    assertThatThrownBy(() -> api.call("chat.update", Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FAILED));
  }

  // --- request signing
  // -------------------------------------------------------------------------------

  private static Map<String, String> signed(String body, long timestamp) {
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", "application/json");
    headers.put("x-slack-request-timestamp", Long.toString(timestamp));
    headers.put(
        "x-slack-signature",
        "v0="
            + SlackWebhooks.sign(
                SIGNING_SECRET, Long.toString(timestamp), body.getBytes(StandardCharsets.UTF_8)));
    return headers;
  }

  private static WebhookRequest unrouted(Map<String, String> headers, String body) {
    return new WebhookRequest(null, null, null, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void requestsMustBeSignedWithTheSigningSecretWithinFiveMinutes() {
    String body = "{\"type\": \"event_callback\", \"team_id\": \"T0TEAM001\"}";
    long now = NOW.getEpochSecond();
    assertThatCode(() -> plugin.webhookHandler().verify(unrouted(signed(body, now), body)))
        .doesNotThrowAnyException();
    assertThatCode(() -> plugin.webhookHandler().verify(unrouted(signed(body, now - 299), body)))
        .doesNotThrowAnyException();
    assertThat(plugin.webhookHandler().verifiesSender()).isTrue();

    assertThatThrownBy(
            () -> plugin.webhookHandler().verify(unrouted(signed(body, now - 301), body)))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("five minutes");
    assertThatThrownBy(
            () -> plugin.webhookHandler().verify(unrouted(signed(body, now + 301), body)))
        .isInstanceOf(WebhookRejectedException.class);
    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .verify(unrouted(signed(body, now), body.replace("T0TEAM001", "T0OTHER01"))))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("does not match");
    Map<String, String> missing = signed(body, now);
    missing.remove("x-slack-signature");
    assertThatThrownBy(() -> plugin.webhookHandler().verify(unrouted(missing, body)))
        .isInstanceOf(WebhookRejectedException.class);
    Map<String, String> wrongSecret = signed(body, now);
    wrongSecret.put(
        "x-slack-signature",
        "v0="
            + SlackWebhooks.sign(
                "another-secret", Long.toString(now), body.getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> plugin.webhookHandler().verify(unrouted(wrongSecret, body)))
        .isInstanceOf(WebhookRejectedException.class);
  }

  // --- routing and reading
  // -------------------------------------------------------------------------

  private static String eventCallback(String eventId, String event) {
    return "{\"token\": \"unused\", \"team_id\": \"T0TEAM001\", \"api_app_id\": \"A0APP0001\", \"type\": \"event_callback\","
        + " \"event_id\": \""
        + eventId
        + "\", \"event_time\": 1900000000, \"event\": "
        + event
        + "}";
  }

  static String blockActions(String user, String actionJson) {
    return "{\"type\": \"block_actions\", \"user\": {\"id\": \""
        + user
        + "\", \"username\": \"someone\", \"team_id\": \"T0TEAM001\"},"
        + " \"api_app_id\": \"A0APP0001\", \"team\": {\"id\": \"T0TEAM001\", \"domain\": \"coop\"},"
        + " \"container\": {\"type\": \"message\", \"message_ts\": \""
        + TS
        + "\", \"channel_id\": \""
        + CHANNEL
        + "\", \"is_ephemeral\": false},"
        + " \"channel\": {\"id\": \""
        + CHANNEL
        + "\", \"name\": \"votes\"}, \"message\": {\"type\": \"message\", \"ts\": \""
        + TS
        + "\"},"
        + " \"response_url\": \"https://hooks.slack.example/actions/T0TEAM001/1/abc\", \"trigger_id\": \"1.2.3\","
        + " \"actions\": ["
        + actionJson
        + "]}";
  }

  private static WebhookRequest formRequest(String payload) {
    String body = "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);
    return new WebhookRequest(
        null,
        null,
        null,
        Map.of("content-type", "application/x-www-form-urlencoded"),
        body.getBytes(StandardCharsets.UTF_8));
  }

  private WebhookRequest routed(WebhookRequest request) {
    return new WebhookRequest(
        COMMUNITY, context.config(), state, request.headers(), request.body());
  }

  @Test
  void theAppAnswersUrlChecksAndRoutesEventsByTeam() {
    AppWebhookRoute check =
        plugin
            .installedApp()
            .route(
                unrouted(
                    Map.of("content-type", "application/json"),
                    "{\"token\": \"x\", \"challenge\": \"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\", \"type\": \"url_verification\"}"));
    assertThat(check)
        .isEqualTo(
            new AppWebhookRoute.Reply(
                200, "text/plain", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));

    AppWebhookRoute.Deliver message =
        (AppWebhookRoute.Deliver)
            plugin
                .installedApp()
                .route(
                    unrouted(
                        Map.of(),
                        eventCallback(
                            "Ev0MSG0001",
                            "{\"type\": \"message\", \"user\": \"U0ALICE01\", \"text\": \"hi\", \"channel\": \"C1\", \"ts\": \"1.1\"}")));
    assertThat(message.installationKey()).isEqualTo("T0TEAM001");
    assertThat(new String(message.identityContent(), StandardCharsets.UTF_8))
        .isEqualTo("slack-event:Ev0MSG0001");
    assertThat(message.uninstalled()).isFalse();
    assertThat(message.reply()).isNull();

    assertThat(
            ((AppWebhookRoute.Deliver)
                    plugin
                        .installedApp()
                        .route(
                            unrouted(
                                Map.of(),
                                eventCallback("Ev0UNINST1", "{\"type\": \"app_uninstalled\"}"))))
                .uninstalled())
        .isTrue();
    assertThat(
            ((AppWebhookRoute.Deliver)
                    plugin
                        .installedApp()
                        .route(
                            unrouted(
                                Map.of(),
                                eventCallback(
                                    "Ev0REVOKE1",
                                    "{\"type\": \"tokens_revoked\", \"tokens\": {\"oauth\": [\"U0ALICE01\"], \"bot\": [\"U0BOT0001\"]}}"))))
                .uninstalled())
        .isTrue();
    assertThat(
            ((AppWebhookRoute.Deliver)
                    plugin
                        .installedApp()
                        .route(
                            unrouted(
                                Map.of(),
                                eventCallback(
                                    "Ev0REVOKE2",
                                    "{\"type\": \"tokens_revoked\", \"tokens\": {\"oauth\": [\"U0ALICE01\"]}}"))))
                .uninstalled())
        .isFalse();

    WebhookRequest press =
        formRequest(
            blockActions(
                "U0ALICE01",
                "{\"action_id\": \"cast_vote\", \"block_id\": \"b1\", \"type\": \"button\", \"value\": \"0\", \"action_ts\": \"1700000001.1\"}"));
    AppWebhookRoute.Deliver pressed = (AppWebhookRoute.Deliver) plugin.installedApp().route(press);
    assertThat(pressed.installationKey()).isEqualTo("T0TEAM001");
    assertThat(pressed.identityContent()).isEqualTo(press.body());
    assertThat(pressed.reply()).isEqualTo(new AppWebhookRoute.Reply(200, "text/plain", ""));

    assertThat(
            plugin
                .installedApp()
                .route(
                    unrouted(
                        Map.of(),
                        "{\"token\": \"x\", \"team_id\": \"T0TEAM001\", \"minute_rate_limited\": 1518467820, \"api_app_id\": \"A0APP0001\", \"type\": \"app_rate_limited\"}")))
        .isEqualTo(new AppWebhookRoute.Reply(200, "text/plain", ""));
    assertThatThrownBy(() -> plugin.installedApp().route(unrouted(Map.of(), "not json")))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void eventsLoseTypeAndUserAndSayWhenTheBotCausedThem() {
    ParsedWebhook fromAlice =
        plugin
            .webhookHandler()
            .parse(
                routed(
                    unrouted(
                        Map.of(),
                        eventCallback(
                            "Ev1",
                            "{\"type\": \"reaction_added\", \"user\": \"U0ALICE01\", \"reaction\": \"thumbsup\","
                                + " \"item\": {\"type\": \"message\", \"channel\": \"C1\", \"ts\": \"1.1\"}, \"event_ts\": \"1.2\"}"))));
    assertThat(fromAlice.eventType()).isEqualTo("reaction_added");
    assertThat(fromAlice.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.eventType()).isEqualTo("reaction_added");
              assertThat(event.initiatorUserId()).isEqualTo("U0ALICE01");
              assertThat(event.initiatorIsMetagovBot()).isFalse();
              assertThat(event.data().has("type")).isFalse();
              assertThat(event.data().has("user")).isFalse();
              assertThat(event.data().path("reaction").asString()).isEqualTo("thumbsup");
            });
    ParsedWebhook fromBot =
        plugin
            .webhookHandler()
            .parse(
                routed(
                    unrouted(
                        Map.of(),
                        eventCallback(
                            "Ev2",
                            "{\"type\": \"message\", \"user\": \"U0BOT0001\", \"text\": \"vote!\"}"))));
    assertThat(fromBot.events().get(0).initiatorIsMetagovBot()).isTrue();
    ParsedWebhook userChange =
        plugin
            .webhookHandler()
            .parse(
                routed(
                    unrouted(
                        Map.of(),
                        eventCallback(
                            "Ev3",
                            "{\"type\": \"user_change\", \"user\": {\"id\": \"U0ALICE01\", \"name\": \"alice\"}}"))));
    assertThat(userChange.events().get(0).initiatorUserId()).isNull();
    assertThat(userChange.events().get(0).data().path("user").path("id").asString())
        .isEqualTo("U0ALICE01");
  }

  @Test
  void aButtonPressIsAProcessInputForTheMessageItCameFrom() {
    ParsedWebhook press =
        plugin
            .webhookHandler()
            .parse(
                routed(
                    formRequest(
                        blockActions(
                            "U0ALICE01",
                            "{\"action_id\": \"cast_vote\", \"type\": \"button\", \"value\": \"1\", \"action_ts\": \"1700000001.1\"}"))));
    assertThat(press.routingKeys()).containsExactly("message:" + CHANNEL + ":" + TS);
    assertThat(press.events()).isEmpty();
    assertThat(press.processInput())
        .isEqualTo(
            Json.parse(
                "{\"user\": \"U0ALICE01\", \"action_id\": \"cast_vote\", \"value\": \"1\", \"action_ts\": \"1700000001.1\"}"));
    ParsedWebhook select =
        plugin
            .webhookHandler()
            .parse(
                routed(
                    formRequest(
                        blockActions(
                            "U0BOB0001",
                            "{\"action_id\": \"advanced_vote.2\", \"type\": \"static_select\", \"selected_option\": {\"text\": {\"type\": \"plain_text\", \"text\": \"Yes\"}, \"value\": \"0\"}, \"action_ts\": \"1700000002.1\"}"))));
    assertThat(select.processInput().path("action_id").asString()).isEqualTo("advanced_vote.2");
    assertThat(select.processInput().path("value").asString()).isEqualTo("0");
  }

  // --- install
  // --------------------------------------------------------------------------------------

  @Test
  void theAuthorizeUrlAsksForTheScopesAndCarriesTheState() {
    URI url =
        plugin
            .installedApp()
            .authorizeUrl("st4te/+", URI.create("https://metagov.example.org/auth/slack/callback"));
    assertThat(url.toString())
        .startsWith(
            "https://slack.example/oauth/v2/authorize?client_id=1234.5678&scope=chat%3Awrite%2Cchannels%3Ahistory&user_scope=&state=st4te%2F%2B&redirect_uri=https%3A%2F%2Fmetagov.example.org%2Fauth%2Fslack%2Fcallback");
    assertThat(plugin.installedApp().installationKeyField()).isEqualTo("team_id");
    assertThat(plugin.installedApp().configured()).isTrue();
    assertThat(
            new SlackPlugin(
                    new SlackProperties("id", "", SIGNING_SECRET, "x", "y", List.of(), List.of()))
                .installedApp()
                .configured())
        .isFalse();
    assertThat(new SlackProperties("id", "s", "t", "x", "y", List.of(""), null).botScopes())
        .isEqualTo(SlackProperties.DEFAULT_BOT_SCOPES);
    assertThat(
            new SlackProperties("id", "s", "t", "x", "y", List.of(" chat:write "), List.of(""))
                .userScopes())
        .isEmpty();
  }

  @Test
  void installExchangesTheCodeWithBasicCredentialsAndKeepsTheBotToken() {
    answer(
        "oauth.v2.access",
        "{\"ok\": true, \"access_token\": \"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy\","
            + " \"token_type\": \"bot\", \"scope\": \"chat:write\", \"bot_user_id\": \"U0KRQLJ9H\", \"app_id\": \"A0KRD7HC3\","
            + " \"team\": {\"name\": \"Slack Softball Team\", \"id\": \"T9TK3CUKW\"}, \"enterprise\": null,"
            + " \"authed_user\": {\"id\": \"U1234\"}, \"is_enterprise_install\": false}");
    URI callback = URI.create("https://metagov.example.org/auth/slack/callback");
    ObjectNode config =
        plugin
            .installedApp()
            .install(context.http(), java.util.Map.of("code", "code-123"), callback);
    assertThat(config)
        .isEqualTo(
            Json.parse(
                "{\"team_id\": \"T9TK3CUKW\", \"team_name\": \"Slack Softball Team\","
                    + " \"bot_user_id\": \"U0KRQLJ9H\", \"bot_token\": \"xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy\", \"installer_user_id\": \"U1234\"}"));
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    LoggedRequest exchange = calls("oauth.v2.access").get(0);
    assertThat(exchange.getHeader("Authorization"))
        .isEqualTo(
            "Basic "
                + java.util.Base64.getEncoder()
                    .encodeToString(
                        "1234.5678:client-secret-xyz".getBytes(StandardCharsets.UTF_8)));
    assertThat(exchange.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    assertThat(form(exchange))
        .containsEntry("code", "code-123")
        .containsEntry("redirect_uri", callback.toString())
        .doesNotContainKey("client_secret");

    answer("oauth.v2.access", "{\"ok\": false, \"error\": \"invalid_code\"}");
    assertThatThrownBy(
            () ->
                plugin
                    .installedApp()
                    .install(context.http(), java.util.Map.of("code", "used"), callback))
        .isInstanceOfSatisfying(
            InstallRefusedException.class, e -> assertThat(e.code()).isEqualTo("invalid_code"));
    answer(
        "oauth.v2.access",
        "{\"ok\": true, \"access_token\": \"xoxp-1\", \"token_type\": \"user\", \"team\": {\"id\": \"T1\"}}");
    assertThatThrownBy(
            () ->
                plugin
                    .installedApp()
                    .install(context.http(), java.util.Map.of("code", "c"), callback))
        .isInstanceOf(InstallRefusedException.class);
    answer("oauth.v2.access", "{\"ok\": false, \"error\": \"internal_error\"}");
    assertThatThrownBy(
            () ->
                plugin
                    .installedApp()
                    .install(context.http(), java.util.Map.of("code", "c"), callback))
        .isInstanceOf(PlatformException.class);
  }

  @Test
  void disablingRevokesTheBotTokenAndADeadTokenCountsAsRevoked() {
    answer("auth.revoke", "{\"ok\": true, \"revoked\": true}");
    plugin.onDisable(context);
    assertThat(calls("auth.revoke"))
        .singleElement()
        .satisfies(r -> assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN));
    answer("auth.revoke", "{\"ok\": false, \"error\": \"token_revoked\"}");
    assertThatCode(() -> plugin.onDisable(context)).doesNotThrowAnyException();
    answer("auth.revoke", "{\"ok\": false, \"error\": \"service_unavailable\"}");
    assertThatThrownBy(() -> plugin.onDisable(context)).isInstanceOf(PlatformException.class);
  }

  // --- actions
  // --------------------------------------------------------------------------------------

  @Test
  void postMessageOpensAConversationWithUsersAndPassesEveryArgument() {
    answer("conversations.open", "{\"ok\": true, \"channel\": {\"id\": \"G0GROUP01\"}}");
    answer(
        "chat.postMessage",
        "{\"ok\": true, \"channel\": \"G0GROUP01\", \"ts\": \"1.5\", \"message\": {\"text\": \"hello\"}}");
    JsonNode result =
        run(
            "post-message",
            "{\"users\": [\"U0ALICE01\", \"U0BOB0001\"], \"text\": \"hello\", \"thread_ts\": \"1.1\", \"unfurl_links\": false}");
    assertThat(result)
        .isEqualTo(
            Json.parse(
                "{\"channel\": \"G0GROUP01\", \"ts\": \"1.5\", \"message\": {\"text\": \"hello\"}}"));
    assertThat(form(calls("conversations.open").get(0)))
        .containsEntry("users", "U0ALICE01,U0BOB0001");
    JsonNode sent = Json.parse(calls("chat.postMessage").get(0).getBodyAsString());
    assertThat(sent)
        .isEqualTo(
            Json.parse(
                "{\"text\": \"hello\", \"thread_ts\": \"1.1\", \"unfurl_links\": false, \"channel\": \"G0GROUP01\"}"));

    assertThatThrownBy(
            () ->
                run(
                    "post-message",
                    "{\"channel\": \"C1\", \"text\": \"x\", \"token\": \"xoxb-other\"}"))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("token");
    assertThatThrownBy(() -> run("post-message", "{\"text\": \"nowhere\"}"))
        .isInstanceOf(InvalidInputException.class);
    assertThat(calls("chat.postMessage")).hasSize(1);
  }

  @Test
  void methodCallsOnlyAllowedMethodsAndJoinsTheChannelWhenNeeded() {
    for (String forbidden :
        List.of(
            "admin.users.list",
            "auth.revoke",
            "oauth.v2.access",
            "apps.uninstall",
            "users.setPresence",
            "files.upload",
            "../auth.revoke")) {
      assertThatThrownBy(() -> run("method", "{\"method_name\": \"" + forbidden + "\"}"))
          .as(forbidden)
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("method_name");
    }
    assertThatThrownBy(
            () -> run("method", "{\"method_name\": \"reactions.add\", \"token\": \"xoxp-other\"}"))
        .isInstanceOf(InvalidInputException.class);
    assertThat(slack.getAllServeEvents()).isEmpty();

    slack.stubFor(
        post(urlEqualTo("/api/reactions.add"))
            .inScenario("join")
            .whenScenarioStateIs(Scenario.STARTED)
            .willReturn(okJson("{\"ok\": false, \"error\": \"not_in_channel\"}"))
            .willSetStateTo("joined"));
    slack.stubFor(
        post(urlEqualTo("/api/reactions.add"))
            .inScenario("join")
            .whenScenarioStateIs("joined")
            .willReturn(okJson("{\"ok\": true}")));
    answer("conversations.join", "{\"ok\": true, \"channel\": {\"id\": \"C0PUBLIC1\"}}");
    JsonNode result =
        run(
            "method",
            "{\"method_name\": \"reactions.add\", \"channel\": \"C0PUBLIC1\", \"name\": \"thumbsup\", \"timestamp\": \"1.1\"}");
    assertThat(result).isEqualTo(Json.object());
    assertThat(calls("reactions.add"))
        .hasSize(2)
        .allSatisfy(
            r ->
                assertThat(form(r))
                    .containsEntry("name", "thumbsup")
                    .containsEntry("channel", "C0PUBLIC1")
                    .doesNotContainKey("method_name"));
    assertThat(form(calls("conversations.join").get(0))).containsEntry("channel", "C0PUBLIC1");

    answer("pins.add", "{\"ok\": false, \"error\": \"not_in_channel\"}");
    assertThatThrownBy(
            () ->
                run(
                    "method",
                    "{\"method_name\": \"pins.add\", \"channel\": \"C0PUBLIC1\", \"timestamp\": \"1.1\"}"))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining("not_in_channel");
    assertThat(calls("pins.add")).hasSize(2);
  }

  // --- emoji vote
  // -----------------------------------------------------------------------------------

  private static final String CHOICE_VOTE =
      "{\"title\": \"Lunch?\", \"details\": \"Pick one\", \"poll_type\": \"choice\","
          + " \"options\": [\"pizza\", \"salad\", \"soup\"], \"channel\": \""
          + CHANNEL
          + "\", \"ineligible_voters\": [\"U0MALLORY\"],"
          + " \"ineligible_voter_message\": \"Not you, sorry.\", \"emoji_family\": \"flowers\"}";

  private void slackPostsVotes() {
    answer(
        "chat.postMessage",
        "{\"ok\": true, \"channel\": \""
            + CHANNEL
            + "\", \"ts\": \""
            + TS
            + "\", \"message\": {}}");
    answer(
        "chat.getPermalink",
        "{\"ok\": true, \"channel\": \""
            + CHANNEL
            + "\", \"permalink\": \"https://coop.slack.example/archives/"
            + CHANNEL
            + "/p1700000000000100\"}");
    answer(
        "chat.update", "{\"ok\": true, \"channel\": \"" + CHANNEL + "\", \"ts\": \"" + TS + "\"}");
    answer("chat.postEphemeral", "{\"ok\": true, \"message_ts\": \"1700000009.000200\"}");
  }

  private ProcessInstance instance(
      String parameters, JsonNode platformState, List<JsonNode> inputs) {
    ProcessSpec spec = process(parameters.contains("candidates") ? "advanced-vote" : "emoji-vote");
    JsonNode input = Schemas.withDefaults(spec.inputSchema(), (ObjectNode) Json.parse(parameters));
    Schemas.requireValid(spec.inputSchema(), input, "parameters", "parameters");
    spec.adapter().closingAt(input, NOW);
    return new ProcessInstance(42, COMMUNITY, input, platformState, inputs);
  }

  private static JsonNode press(String user, String value, int n) {
    return Json.parse(
        "{\"user\": \""
            + user
            + "\", \"action_id\": \"cast_vote\", \"value\": \""
            + value
            + "\", \"action_ts\": \"17000000"
            + n
            + ".1\"}");
  }

  @Test
  void anEmojiVotePostsOnceFoldsPressesAndClosesWithoutButtons() {
    slackPostsVotes();
    ProcessSpec spec = process("emoji-vote");
    ProcessSnapshot started =
        spec.adapter().start(context, instance(CHOICE_VOTE, Json.object(), List.of()));
    assertThat(started.url())
        .isEqualTo("https://coop.slack.example/archives/" + CHANNEL + "/p1700000000000100");
    assertThat(started.routingKeys()).containsExactly("message:" + CHANNEL + ":" + TS);
    assertThat(started.outcome().path("votes").path("pizza"))
        .isEqualTo(Json.parse("{\"users\": [], \"count\": 0}"));
    JsonNode posted = Json.parse(calls("chat.postMessage").get(0).getBodyAsString());
    assertThat(posted.path("channel").asString()).isEqualTo(CHANNEL);
    assertThat(posted.path("metadata").path("event_payload"))
        .isEqualTo(Json.parse("{\"community\": \"coop\", \"process_id\": 42}"));
    assertThat(posted.path("blocks")).hasSize(4);
    assertThat(posted.path("blocks").path(1).path("accessory").path("text").path("text").asString())
        .isEqualTo(":tulip:");
    assertThat(posted.path("blocks").path(3).path("accessory").path("value").asString())
        .isEqualTo("2");

    // A start retried after its answer was lost finds the message it posted.
    ProcessSnapshot again =
        spec.adapter().start(context, instance(CHOICE_VOTE, Json.object(), List.of()));
    assertThat(again.routingKeys()).isEqualTo(started.routingKeys());
    assertThat(calls("chat.postMessage")).hasSize(1);

    List<JsonNode> inputs =
        new ArrayList<>(
            List.of(
                press("U0ALICE01", "0", 1),
                press("U0BOB0001", "0", 2),
                press("U0MALLORY", "1", 3),
                press("U0ALICE01", "2", 4),
                press("U0CAROL01", "9", 5)));
    ProcessSnapshot refreshed =
        spec.adapter().refresh(context, instance(CHOICE_VOTE, started.platformState(), inputs));
    assertThat(refreshed.outcome().path("votes"))
        .isEqualTo(
            Json.parse(
                "{\"pizza\": {\"users\": [\"U0BOB0001\"], \"count\": 1},"
                    + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\"U0ALICE01\"], \"count\": 1}}"));
    assertThat(calls("chat.update")).hasSize(1);
    JsonNode update = Json.parse(calls("chat.update").get(0).getBodyAsString());
    assertThat(update.path("ts").asString()).isEqualTo(TS);
    assertThat(update.path("blocks").path(3).path("text").path("text").asString())
        .isEqualTo("soup   `1` (<@U0ALICE01>)");
    assertThat(calls("chat.postEphemeral"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(Json.parse(r.getBodyAsString()))
                    .isEqualTo(
                        Json.parse(
                            "{\"channel\": \""
                                + CHANNEL
                                + "\", \"user\": \"U0MALLORY\", \"text\": \"Not you, sorry.\"}")));

    // Reading again with nothing new neither updates the message nor repeats the notice.
    ProcessSnapshot same =
        spec.adapter().refresh(context, instance(CHOICE_VOTE, refreshed.platformState(), inputs));
    assertThat(same.outcome()).isEqualTo(refreshed.outcome());
    assertThat(calls("chat.update")).hasSize(1);
    assertThat(calls("chat.postEphemeral")).hasSize(1);

    inputs.add(press("U0MALLORY", "0", 6));
    spec.adapter().refresh(context, instance(CHOICE_VOTE, same.platformState(), inputs));
    assertThat(calls("chat.postEphemeral")).hasSize(2);
    assertThat(calls("chat.update")).hasSize(1);

    ProcessSnapshot closed =
        spec.adapter().close(context, instance(CHOICE_VOTE, same.platformState(), inputs));
    assertThat(closed.closed()).isTrue();
    assertThat(closed.outcome())
        .isEqualTo(
            Json.parse(
                "{\"votes\": {\"pizza\": {\"users\": [\"U0BOB0001\"], \"count\": 1},"
                    + " \"salad\": {\"users\": [], \"count\": 0}, \"soup\": {\"users\": [\"U0ALICE01\"], \"count\": 1}},"
                    + " \"channel\": \""
                    + CHANNEL
                    + "\", \"message_ts\": \""
                    + TS
                    + "\"}"));
    JsonNode last = Json.parse(calls("chat.update").get(1).getBodyAsString());
    last.path("blocks").forEach(block -> assertThat(block.has("accessory")).isFalse());
    assertThat(last.path("blocks").toString()).contains("Voting has closed.");
  }

  @Test
  void aStartWhoseAnswerWasLostAdoptsTheMessageFromTheChannelHistory() {
    slackPostsVotes();
    ObjectNode underWay = Json.object();
    underWay.put("channel", CHANNEL);
    underWay.put("posting_since", 1700000000L);
    state.set("vote-message:42", underWay);
    answer(
        "conversations.history",
        "{\"ok\": true, \"messages\": [{\"type\": \"message\", \"ts\": \"1700000050.000300\", \"text\": \"other\"},"
            + " {\"type\": \"message\", \"ts\": \""
            + TS
            + "\", \"metadata\": {\"event_type\": \"metagov_process\","
            + " \"event_payload\": {\"community\": \"coop\", \"process_id\": 42}}}], \"has_more\": false}");
    ProcessSnapshot started =
        process("emoji-vote")
            .adapter()
            .start(
                context,
                instance(
                    "{\"title\": \"Ship it?\", \"poll_type\": \"boolean\", \"channel\": \""
                        + CHANNEL
                        + "\"}",
                    Json.object(),
                    List.of()));
    assertThat(started.routingKeys()).containsExactly("message:" + CHANNEL + ":" + TS);
    assertThat(calls("chat.postMessage")).isEmpty();
    assertThat(form(calls("conversations.history").get(0)))
        .containsEntry("channel", CHANNEL)
        .containsEntry("include_all_metadata", "true")
        .containsEntry("oldest", "1699999999");
    assertThat(started.outcome().path("votes").properties())
        .extracting(Map.Entry::getKey)
        .containsExactly("yes", "no");
  }

  @Test
  void voteParametersAreCheckedBeforeAnythingIsPosted() {
    ProcessSpec spec = process("emoji-vote");
    assertThatThrownBy(
            () ->
                spec.adapter()
                    .closingAt(
                        Json.parse(
                            "{\"title\": \"t\", \"poll_type\": \"choice\", \"channel\": \"C1\"}"),
                        NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("options");
    assertThatThrownBy(
            () ->
                spec.adapter()
                    .closingAt(
                        Json.parse(
                            "{\"title\": \"t\", \"poll_type\": \"choice\", \"channel\": \"C1\","
                                + " \"emoji_family\": \"hearts\", \"options\": [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]}"),
                        NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("hearts");
    assertThatThrownBy(
            () ->
                spec.adapter()
                    .closingAt(Json.parse("{\"title\": \"t\", \"poll_type\": \"boolean\"}"), NOW))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("channel");
    assertThat(
            spec.adapter()
                .closingAt(
                    Json.parse(
                        "{\"title\": \"t\", \"poll_type\": \"boolean\", \"eligible_voters\": [\"U0ALICE01\"],"
                            + " \"closing_at\": \"2030-03-02T00:00:00Z\"}"),
                    NOW))
        .isEqualTo(Instant.parse("2030-03-02T00:00:00Z"));
    assertThat(
            Schemas.validate(
                spec.inputSchema(),
                Json.parse(
                    "{\"title\": \"t\", \"poll_type\": \"boolean\", \"channel\": \"C1\", \"token\": \"x\"}"),
                "parameters"))
        .isNotEmpty();
  }

  @Test
  void aVoteWithoutChannelIsPostedToItsEligibleVoters() {
    slackPostsVotes();
    answer("conversations.open", "{\"ok\": true, \"channel\": {\"id\": \"" + CHANNEL + "\"}}");
    process("emoji-vote")
        .adapter()
        .start(
            context,
            instance(
                "{\"title\": \"Ship it?\", \"poll_type\": \"boolean\","
                    + " \"eligible_voters\": [\"U0ALICE01\", \"U0BOB0001\"]}",
                Json.object(),
                List.of()));
    assertThat(form(calls("conversations.open").get(0)))
        .containsEntry("users", "U0ALICE01,U0BOB0001");
    assertThat(
            Json.parse(calls("chat.postMessage").get(0).getBodyAsString())
                .path("channel")
                .asString())
        .isEqualTo(CHANNEL);
  }

  @Test
  void aDeletedVoteMessageDoesNotStopTheVote() {
    slackPostsVotes();
    ProcessSnapshot started =
        process("emoji-vote")
            .adapter()
            .start(context, instance(CHOICE_VOTE, Json.object(), List.of()));
    answer("chat.update", "{\"ok\": false, \"error\": \"message_not_found\"}");
    ProcessSnapshot closed =
        process("emoji-vote")
            .adapter()
            .close(
                context,
                instance(
                    CHOICE_VOTE, started.platformState(), List.of(press("U0ALICE01", "1", 1))));
    assertThat(closed.closed()).isTrue();
    assertThat(closed.outcome().path("votes").path("salad").path("count").asInt()).isEqualTo(1);
  }

  // --- advanced vote
  // --------------------------------------------------------------------------------

  @Test
  void anAdvancedVoteKeepsEachVotersLastChoicePerCandidate() {
    slackPostsVotes();
    String parameters =
        "{\"title\": \"Board\", \"candidates\": [\"Ann\", \"Bo\"], \"options\": [\"Yes\", \"No\", \"Abstain\"],"
            + " \"channel\": \""
            + CHANNEL
            + "\", \"eligible_voters\": [\"U0ALICE01\", \"U0BOB0001\"]}";
    ProcessSpec spec = process("advanced-vote");
    ProcessSnapshot started =
        spec.adapter().start(context, instance(parameters, Json.object(), List.of()));
    JsonNode posted = Json.parse(calls("chat.postMessage").get(0).getBodyAsString());
    assertThat(posted.path("blocks").path(2).path("accessory").path("type").asString())
        .isEqualTo("static_select");
    assertThat(posted.path("blocks").path(2).path("accessory").path("action_id").asString())
        .isEqualTo("advanced_vote.1");
    assertThat(posted.path("blocks").path(2).path("accessory").path("options")).hasSize(3);

    List<JsonNode> inputs =
        List.of(
            Json.parse(
                "{\"user\": \"U0ALICE01\", \"action_id\": \"advanced_vote.0\", \"value\": \"0\", \"action_ts\": \"1\"}"),
            Json.parse(
                "{\"user\": \"U0ALICE01\", \"action_id\": \"advanced_vote.1\", \"value\": \"1\", \"action_ts\": \"2\"}"),
            Json.parse(
                "{\"user\": \"U0BOB0001\", \"action_id\": \"advanced_vote.0\", \"value\": \"2\", \"action_ts\": \"3\"}"),
            Json.parse(
                "{\"user\": \"U0ALICE01\", \"action_id\": \"advanced_vote.0\", \"value\": \"1\", \"action_ts\": \"4\"}"),
            Json.parse(
                "{\"user\": \"U0EVE0001\", \"action_id\": \"advanced_vote.0\", \"value\": \"0\", \"action_ts\": \"5\"}"));
    ProcessSnapshot refreshed =
        spec.adapter().refresh(context, instance(parameters, started.platformState(), inputs));
    assertThat(refreshed.outcome().path("votes"))
        .isEqualTo(
            Json.parse(
                "{\"U0ALICE01\": {\"Ann\": \"No\", \"Bo\": \"No\"}, \"U0BOB0001\": {\"Ann\": \"Abstain\"}}"));
    assertThat(calls("chat.update")).isEmpty();
    assertThat(calls("chat.postEphemeral"))
        .singleElement()
        .satisfies(
            r ->
                assertThat(Json.parse(r.getBodyAsString()).path("user").asString())
                    .isEqualTo("U0EVE0001"));
    ProcessSnapshot closed =
        spec.adapter().close(context, instance(parameters, refreshed.platformState(), inputs));
    assertThat(closed.closed()).isTrue();
    assertThat(calls("chat.update"))
        .singleElement()
        .satisfies(r -> assertThat(r.getBodyAsString()).contains("2 people voted"));
  }

  @Test
  void theCatalogueListsEventsAndTheSecretField() {
    assertThat(Schemas.secretFields(plugin.configSchema())).containsExactly("bot_token");
    assertThat(plugin.eventTypes())
        .contains("message", "reaction_added", "app_uninstalled", "tokens_revoked");
    assertThat(plugin.receivesWebhooks()).isFalse();
    assertThat(plugin.processes()).allSatisfy(p -> assertThat(p.closableEarly()).isTrue());
    assertThat(SlackPlugin.allowed("chat.postMessage")).isTrue();
    assertThat(SlackPlugin.allowed("usergroups.users.update")).isTrue();
    assertThat(SlackPlugin.allowed("users.admin.setInactive")).isFalse();
  }
}

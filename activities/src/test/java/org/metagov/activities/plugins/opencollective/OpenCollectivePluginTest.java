package org.metagov.activities.plugins.opencollective;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
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
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.metagov.activities.plugin.ProcessAdapter.ProcessSnapshot;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class OpenCollectivePluginTest {

  /** One client for every test, as in the application; loopback platforms are allowed. */
  static final PlatformHttp HTTP =
      new PlatformHttp(
          new OutboundUrlPolicy(false),
          new OutboundHttp.Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), 4 * 1024 * 1024));

  private static final String TOKEN = "oc-personal-token-5f1e9a77c2";
  private static final String COMMUNITY = "coop";
  private static final String SLUG = "coop-collective";
  private static final String GRAPHQL = "/graphql/v2";
  private static final String HOOK_URL =
      "https://metagov.example.org/api/hooks/coop/opencollective/Zq8v3LkP0wXy";

  private final OpenCollectivePlugin plugin = new OpenCollectivePlugin();
  private WireMockServer oc;
  private PluginContext context;
  private MemoryState state;

  @BeforeEach
  void setUp() {
    oc = new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    oc.start();
    state = new MemoryState();
    context = context(configJson(""), state);
  }

  @AfterEach
  void tearDown() {
    oc.stop();
  }

  // --- helpers -----------------------------------------------------------------------------------

  private String configJson(String extra) {
    return "{\"access_token\": \""
        + TOKEN
        + "\", \"collective_slug\": \""
        + SLUG
        + "\", \"server_url\": \""
        + oc.baseUrl()
        + "/\""
        + extra
        + "}";
  }

  private ObjectNode config(String json) {
    ObjectNode config = (ObjectNode) Json.parse(json);
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    return Schemas.withDefaults(plugin.configSchema(), config);
  }

  private PluginContext context(String configJson, PluginState state) {
    return new PluginContext(COMMUNITY, config(configJson), HTTP, state);
  }

  /** A stub for one GraphQL operation, told apart by the operationName the plugin sends. */
  private static MappingBuilder operation(String name) {
    return post(urlEqualTo(GRAPHQL))
        .withRequestBody(matchingJsonPath("$.operationName", equalTo(name)));
  }

  private static ResponseDefinitionBuilder data(String json) {
    return okJson("{\"data\": " + json + "}");
  }

  private List<LoggedRequest> requests(String operation) {
    return oc.findAll(
        postRequestedFor(urlEqualTo(GRAPHQL))
            .withRequestBody(matchingJsonPath("$.operationName", equalTo(operation))));
  }

  /**
   * The variables of the only request for an operation, after checking it is a well-formed GraphQL
   * POST.
   */
  private JsonNode variables(String operation) {
    List<LoggedRequest> sent = requests(operation);
    assertThat(sent).hasSize(1);
    LoggedRequest request = sent.get(0);
    assertThat(request.getHeader("Personal-Token")).isEqualTo(TOKEN);
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    JsonNode body = Json.parse(request.getBodyAsString());
    assertThat(body.path("query").asString()).contains(operation);
    return body.path("variables");
  }

  private static String fixture(String name) {
    try (InputStream in =
        OpenCollectivePluginTest.class.getResourceAsStream("/opencollective/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private ProcessSpec voteSpec() {
    return PluginRegistry.process(plugin, "vote").orElseThrow();
  }

  private ObjectNode voteParams(String json) {
    ObjectNode parameters = (ObjectNode) Json.parse(json);
    assertThat(Schemas.validate(voteSpec().inputSchema(), parameters, "parameters")).isEmpty();
    return Schemas.withDefaults(voteSpec().inputSchema(), parameters);
  }

  private ProcessInstance started() {
    return new ProcessInstance(
        7,
        COMMUNITY,
        voteParams("{\"title\": \"Adopt the travel policy\"}"),
        Json.parse(
            "{\"conversation_id\": \"conv_8k3pqz2m\", \"conversation_slug\": \"adopt-the-travel-policy\"}"));
  }

  private JsonNode runAction(String name, String parametersJson) {
    ActionSpec action = PluginRegistry.action(plugin, name).orElseThrow();
    ObjectNode parameters = (ObjectNode) Json.parse(parametersJson);
    assertThat(Schemas.validate(action.inputSchema(), parameters, "parameters")).isEmpty();
    return action.action().run(context, Schemas.withDefaults(action.inputSchema(), parameters));
  }

  private void stubAccount() {
    oc.stubFor(
        operation("OpenCollectiveAccount")
            .willReturn(
                data(
                    "{\"account\": {\"id\": \"acc_1a2b3c4d\", \"legacyId\": 58213, \"slug\": \"coop-collective\", \"name\": \"Coop Collective\", \"type\": \"COLLECTIVE\"}}")));
  }

  static JsonNode norm(JsonNode node) {
    return Json.parse(Json.write(node));
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

  // --- config and catalogue
  // -----------------------------------------------------------------------

  @Test
  void configSchemaFillsDefaultsAndKeepsTheTokenSecret() {
    ObjectNode filled =
        Schemas.withDefaults(
            plugin.configSchema(),
            (ObjectNode) Json.parse("{\"access_token\": \"t\", \"collective_slug\": \"x\"}"));
    assertThat(filled.path("server_url").asString()).isEqualTo("https://api.opencollective.com");
    assertThat(filled.path("token_type").asString()).isEqualTo("personal");
    assertThat(Schemas.secretFields(plugin.configSchema())).containsExactly("access_token");
    assertThat(Schemas.validate(plugin.configSchema(), Json.parse("{}"), "config"))
        .extracting(FieldError::path)
        .containsExactlyInAnyOrder("config.access_token", "config.collective_slug");
    assertThat(
            Schemas.validate(
                plugin.configSchema(),
                Json.parse(
                    "{\"access_token\": \"t\", \"collective_slug\": \"x\", \"webhook_slug\": \"short\"}"),
                "config"))
        .extracting(FieldError::path)
        .containsExactly("config.webhook_slug");
  }

  @Test
  void catalogueOffersTheVoteActionsAndExpenseEvents() {
    assertThat(plugin.name()).isEqualTo("opencollective");
    assertThat(voteSpec().closableEarly()).isTrue();
    assertThat(plugin.actions())
        .extracting(ActionSpec::name)
        .containsExactly(
            "list-members", "create-conversation", "create-comment", "process-expense");
    assertThat(plugin.eventTypes())
        .contains(
            "expense_created",
            "expense_approved",
            "expense_rejected",
            "expense_paid",
            "expense_updated",
            "expense_deleted");
    assertThat(plugin.receivesWebhooks()).isTrue();
    ActionSpec comment = PluginRegistry.action(plugin, "create-comment").orElseThrow();
    assertThat(
            Schemas.validate(
                comment.inputSchema(), Json.parse("{\"html\": \"<p>x</p>\"}"), "parameters"))
        .isNotEmpty();
    assertThat(
            Schemas.validate(
                comment.inputSchema(),
                Json.parse("{\"html\": \"x\", \"conversation_id\": \"c\", \"expense_id\": 4}"),
                "parameters"))
        .isNotEmpty();
    ActionSpec process = PluginRegistry.action(plugin, "process-expense").orElseThrow();
    assertThat(
            Schemas.validate(
                process.inputSchema(),
                Json.parse("{\"expense_id\": 4, \"action\": \"STEAL\"}"),
                "parameters"))
        .extracting(FieldError::path)
        .containsExactly("parameters.action");
  }

  // --- onEnable
  // -----------------------------------------------------------------------------------

  @Test
  void onEnableRegistersTheWebhookOnceAndRemembersTheCollective() {
    stubAccount();
    oc.stubFor(
        operation("OpenCollectiveWebhooks")
            .willReturn(
                data(
                    "{\"account\": {\"id\": \"acc_1a2b3c4d\", \"webhooks\": {\"nodes\": [{\"id\": \"not_other\", \"webhookUrl\": \"https://zapier.example/x\", \"activityType\": \"ACTIVITY_ALL\"}]}}}")));
    oc.stubFor(
        operation("CreateWebhook")
            .willReturn(
                data(
                    "{\"createWebhook\": {\"id\": \"not_4kq9z8wd\", \"webhookUrl\": \""
                        + HOOK_URL
                        + "\", \"activityType\": \"ACTIVITY_ALL\"}}")));

    plugin.onEnable(context, HOOK_URL);
    plugin.onEnable(context, HOOK_URL);

    assertThat(requests("OpenCollectiveAccount")).hasSize(2);
    JsonNode webhook = variables("CreateWebhook").path("webhook");
    assertThat(norm(webhook))
        .isEqualTo(
            Json.parse(
                "{\"account\": {\"slug\": \"coop-collective\"}, \"activityType\": \"ACTIVITY_ALL\", \"webhookUrl\": \""
                    + HOOK_URL
                    + "\"}"));
    assertThat(variables("OpenCollectiveWebhooks").path("slug").asString()).isEqualTo(SLUG);
    assertThat(state.get("collective_id").asString()).isEqualTo("acc_1a2b3c4d");
    assertThat(state.get("collective_legacy_id").asLong()).isEqualTo(58213);
    assertThat(state.get("webhook_id").asString()).isEqualTo("not_4kq9z8wd");
    assertThat(state.get("webhook_url").asString()).isEqualTo(HOOK_URL);
    assertThat(oc.getAllServeEvents())
        .allSatisfy(
            e -> {
              assertThat(e.getRequest().getUrl()).isEqualTo(GRAPHQL);
              assertThat(e.getRequest().getBodyAsString()).doesNotContain(TOKEN);
            });
  }

  @Test
  void onEnableAdoptsAWebhookTheCollectiveAlreadyHasForTheUrl() {
    stubAccount();
    oc.stubFor(
        operation("OpenCollectiveWebhooks")
            .willReturn(
                data(
                    "{\"account\": {\"id\": \"acc_1a2b3c4d\", \"webhooks\": {\"nodes\": [{\"id\": \"not_existing\", \"webhookUrl\": \""
                        + HOOK_URL
                        + "\", \"activityType\": \"ACTIVITY_ALL\"}]}}}")));

    plugin.onEnable(context, HOOK_URL);

    assertThat(requests("CreateWebhook")).isEmpty();
    assertThat(state.get("webhook_id").asString()).isEqualTo("not_existing");
  }

  @Test
  void aChangedWebhookUrlIsRegisteredAndTheOldOneDeleted() {
    stubAccount();
    state.set("webhook_id", Json.MAPPER.getNodeFactory().stringNode("not_old"));
    state.set(
        "webhook_url",
        Json.MAPPER
            .getNodeFactory()
            .stringNode("https://old.example.org/api/hooks/coop/opencollective"));
    state.set("webhook_collective_id", Json.MAPPER.getNodeFactory().stringNode("acc_1a2b3c4d"));
    oc.stubFor(
        operation("OpenCollectiveWebhooks")
            .willReturn(
                data("{\"account\": {\"id\": \"acc_1a2b3c4d\", \"webhooks\": {\"nodes\": []}}}")));
    oc.stubFor(
        operation("CreateWebhook").willReturn(data("{\"createWebhook\": {\"id\": \"not_new\"}}")));
    oc.stubFor(
        operation("DeleteWebhook").willReturn(data("{\"deleteWebhook\": {\"id\": \"not_old\"}}")));

    plugin.onEnable(context, HOOK_URL);

    assertThat(variables("CreateWebhook").path("webhook").path("webhookUrl").asString())
        .isEqualTo(HOOK_URL);
    assertThat(variables("DeleteWebhook").path("webhook").path("id").asString())
        .isEqualTo("not_old");
    assertThat(state.get("webhook_id").asString()).isEqualTo("not_new");
  }

  @Test
  void onDisableDeletesTheWebhookItRegistered() {
    state.set("webhook_id", Json.MAPPER.getNodeFactory().stringNode("not_4kq9z8wd"));
    oc.stubFor(
        operation("DeleteWebhook")
            .willReturn(data("{\"deleteWebhook\": {\"id\": \"not_4kq9z8wd\"}}")));

    plugin.onDisable(context);

    assertThat(requests("DeleteWebhook")).hasSize(1);
    assertThat(variables("DeleteWebhook").path("webhook").path("id").asString())
        .isEqualTo("not_4kq9z8wd");
    assertThat(requests("DeleteWebhook").get(0).getBodyAsString()).doesNotContain(TOKEN);
  }

  @Test
  void onDisableWithoutARegisteredWebhookCallsNothing() {
    plugin.onDisable(context);
    assertThat(oc.getAllServeEvents()).isEmpty();
  }

  @Test
  void onDisableTreatsAWebhookAlreadyGoneAsDoneButAnOutageAsRetryable() {
    state.set("webhook_id", Json.MAPPER.getNodeFactory().stringNode("not_gone"));
    oc.stubFor(
        operation("DeleteWebhook")
            .willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                    .withStatus(404)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"errors\": [{\"message\": \"Webhook not found\"}]}")));
    plugin.onDisable(context);

    oc.resetAll();
    oc.stubFor(
        operation("DeleteWebhook")
            .willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(503)));
    assertThatThrownBy(() -> plugin.onDisable(context))
        .isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void withoutAPublicUrlOnEnableOnlyLooksUpTheCollective() {
    stubAccount();
    plugin.onEnable(context, null);
    assertThat(oc.getAllServeEvents()).hasSize(1);
    assertThat(variables("OpenCollectiveAccount").path("slug").asString()).isEqualTo(SLUG);
    assertThat(state.get("collective_legacy_id").asLong()).isEqualTo(58213);
  }

  @Test
  void anUnknownCollectiveIsAConfigError() {
    oc.stubFor(operation("OpenCollectiveAccount").willReturn(data("{\"account\": null}")));
    assertThatThrownBy(() -> plugin.onEnable(context, HOOK_URL))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e -> {
              assertThat(e.errors())
                  .extracting(FieldError::path)
                  .containsExactly("config.collective_slug");
              assertThat(e.getMessage())
                  .contains("coop-collective")
                  .contains("not found on Open Collective");
            });
    assertThat(requests("CreateWebhook")).isEmpty();
  }

  @Test
  void anOauthTokenTravelsAsABearerToken() {
    stubAccount();
    PluginContext oauth = context(configJson(", \"token_type\": \"oauth\""), new MemoryState());
    plugin.onEnable(oauth, null);
    LoggedRequest request = requests("OpenCollectiveAccount").get(0);
    assertThat(request.getHeader("Authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.containsHeader("Personal-Token")).isFalse();
  }

  // --- errors
  // -------------------------------------------------------------------------------------

  @Test
  void graphQlErrorsAreRejectedWithTheirMessages() {
    oc.stubFor(
        operation("ProcessExpense")
            .willReturn(
                okJson(
                    "{\"errors\": [{\"message\": \"You don't have permission to approve this expense\", \"extensions\": {\"code\": \"Forbidden\"}}], \"data\": null}")));
    assertThatThrownBy(
            () ->
                runAction(
                    "process-expense",
                    "{\"expense_id\": \"ex_9rj4kd2q\", \"action\": \"APPROVE\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.retryable()).isFalse();
              assertThat(e.getMessage())
                  .contains("You don't have permission to approve this expense")
                  .contains("access_token");
            });
  }

  @Test
  void aRateLimitErrorIsRetryable() {
    oc.stubFor(
        operation("OpenCollectiveMembers")
            .willReturn(
                okJson(
                    "{\"errors\": [{\"message\": \"Rate limit exceeded\", \"extensions\": {\"code\": \"RateLimitExceeded\"}}]}")));
    assertThatThrownBy(() -> runAction("list-members", "{}"))
        .isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void aServerErrorIsRetryable() {
    oc.stubFor(
        operation("OpenCollectiveMembers")
            .willReturn(aResponse().withStatus(500).withBody("{\"error\": \"boom\"}")));
    assertThatThrownBy(() -> runAction("list-members", "{}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.FAILED);
              assertThat(e.retryable()).isTrue();
              assertThat(e.platformStatus()).isEqualTo(500);
            });
  }

  @Test
  void aRefusedTokenIsRejectedWithoutRepeatingIt() {
    // Open Collective's own 401 body echoes the token it refused.
    oc.stubFor(
        operation("OpenCollectiveAccount")
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"error\": {\"code\": 401, \"type\": \"unauthorized\", \"message\": \"Invalid Personal Token (Api Key): "
                            + TOKEN
                            + "\"}}")));
    assertThatThrownBy(() -> plugin.onEnable(context, HOOK_URL))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(401);
              assertThat(e.getMessage()).contains("check the access_token").doesNotContain(TOKEN);
            });
  }

  @Test
  void aBadRequestKeepsTheGraphQlMessagesAndMasksTheToken() {
    oc.stubFor(
        operation("CreateConversation")
            .willReturn(
                aResponse()
                    .withStatus(400)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"errors\": [{\"message\": \"Variable \\\"$title\\\" got invalid value "
                            + TOKEN
                            + "\", \"extensions\": {\"code\": \"BAD_USER_INPUT\"}}]}")));
    assertThatThrownBy(
            () ->
                runAction("create-conversation", "{\"title\": \"Hello\", \"html\": \"<p>x</p>\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("got invalid value").doesNotContain(TOKEN);
            });
  }

  // --- actions
  // ------------------------------------------------------------------------------------

  @Test
  void listMembersReturnsEachMembersAccountAndRole() {
    oc.stubFor(
        operation("OpenCollectiveMembers")
            .willReturn(
                data(
                    """
        {"account": {"id": "acc_1a2b3c4d", "members": {"totalCount": 2, "nodes": [
          {"id": "mem_1", "role": "ADMIN", "account": {"id": "acc_2w3e4r5t", "slug": "ben-treasurer", "name": "Ben", "type": "INDIVIDUAL"}},
          {"id": "mem_2", "role": "BACKER", "account": {"id": "acc_7h8j9k0l", "slug": "ana-lopez", "name": "Ana López", "type": "INDIVIDUAL"}}]}}}
        """)));

    JsonNode result = runAction("list-members", "{\"role\": [\"ADMIN\", \"BACKER\"]}");

    JsonNode vars = variables("OpenCollectiveMembers");
    assertThat(norm(vars))
        .isEqualTo(
            Json.parse(
                "{\"slug\": \"coop-collective\", \"limit\": 100, \"offset\": 0, \"role\": [\"ADMIN\", \"BACKER\"]}"));
    assertThat(norm(result))
        .isEqualTo(
            Json.parse(
                """
        {"members": [{"id": "acc_2w3e4r5t", "slug": "ben-treasurer", "name": "Ben", "role": "ADMIN"},
                     {"id": "acc_7h8j9k0l", "slug": "ana-lopez", "name": "Ana López", "role": "BACKER"}]}
        """));
  }

  @Test
  void createConversationPostsToTheCollectiveAndLinksIt() {
    oc.stubFor(
        operation("CreateConversation")
            .willReturn(
                data(
                    """
        {"createConversation": {"id": "conv_3j5k7l9m", "publicId": "conv_3j5k7l9m", "slug": "budget-2031", "title": "Budget 2031",
          "tags": ["budget"], "account": {"slug": "coop-collective", "type": "COLLECTIVE"}, "body": {"id": "cmt_1", "reactions": {}},
          "stats": {"id": "conv_3j5k7l9m", "commentsCount": 1}}}
        """)));

    JsonNode result =
        runAction(
            "create-conversation",
            "{\"title\": \"Budget 2031\", \"html\": \"<p>Let us plan.</p>\", \"tags\": [\"budget\"]}");

    assertThat(norm(variables("CreateConversation")))
        .isEqualTo(
            Json.parse(
                "{\"title\": \"Budget 2031\", \"html\": \"<p>Let us plan.</p>\", \"account\": {\"slug\": \"coop-collective\"}, \"tags\": [\"budget\"]}"));
    assertThat(norm(result))
        .isEqualTo(
            Json.parse(
                "{\"id\": \"conv_3j5k7l9m\", \"slug\": \"budget-2031\", \"url\": \"https://opencollective.com/coop-collective/conversations/budget-2031-conv_3j5k7l9m\"}"));
  }

  @Test
  void createCommentOnAConversationOrAnExpense() {
    oc.stubFor(
        operation("CreateComment")
            .willReturn(
                data(
                    "{\"createComment\": {\"id\": \"cmt_9z8y7x6w\", \"publicId\": \"cmt_9z8y7x6w\", \"createdAt\": \"2030-03-02T12:00:00.000Z\"}}")));

    JsonNode onConversation =
        runAction(
            "create-comment",
            "{\"conversation_id\": \"conv_8k3pqz2m\", \"html\": \"<p>Agreed</p>\"}");
    assertThat(norm(onConversation)).isEqualTo(Json.parse("{\"id\": \"cmt_9z8y7x6w\"}"));
    assertThat(norm(variables("CreateComment")))
        .isEqualTo(
            Json.parse(
                "{\"comment\": {\"html\": \"<p>Agreed</p>\", \"conversation\": {\"id\": \"conv_8k3pqz2m\"}}}"));

    oc.resetRequests();
    runAction("create-comment", "{\"expense_id\": 215530, \"html\": \"<p>Receipt?</p>\"}");
    assertThat(norm(variables("CreateComment")))
        .isEqualTo(
            Json.parse(
                "{\"comment\": {\"html\": \"<p>Receipt?</p>\", \"expense\": {\"legacyId\": 215530}}}"));

    oc.resetRequests();
    runAction("create-comment", "{\"expense_id\": \"ex_9rj4kd2q\", \"html\": \"<p>Thanks</p>\"}");
    assertThat(variables("CreateComment").path("comment").path("expense").path("id").asString())
        .isEqualTo("ex_9rj4kd2q");
  }

  @Test
  void createCommentTakesTheGatewaysRawAsHtmlButNotBoth() {
    oc.stubFor(
        operation("CreateComment")
            .willReturn(
                data(
                    "{\"createComment\": {\"id\": \"cmt_9z8y7x6w\", \"publicId\": \"cmt_9z8y7x6w\", \"createdAt\": \"2030-03-02T12:00:00.000Z\"}}")));

    runAction(
        "create-comment", "{\"conversation_id\": \"conv_8k3pqz2m\", \"raw\": \"<p>Agreed</p>\"}");
    assertThat(norm(variables("CreateComment")))
        .isEqualTo(
            Json.parse(
                "{\"comment\": {\"html\": \"<p>Agreed</p>\", \"conversation\": {\"id\": \"conv_8k3pqz2m\"}}}"));

    ActionSpec comment = PluginRegistry.action(plugin, "create-comment").orElseThrow();
    assertThat(
            Schemas.validate(
                comment.inputSchema(),
                Json.parse("{\"conversation_id\": \"c\", \"html\": \"x\", \"raw\": \"y\"}"),
                "parameters"))
        .isNotEmpty();
    assertThat(
            Schemas.validate(
                comment.inputSchema(), Json.parse("{\"conversation_id\": \"c\"}"), "parameters"))
        .isNotEmpty();
    ActionSpec conversation = PluginRegistry.action(plugin, "create-conversation").orElseThrow();
    assertThat(
            Schemas.validate(
                conversation.inputSchema(),
                Json.parse("{\"title\": \"Travel\", \"raw\": \"<p>x</p>\"}"),
                "parameters"))
        .isEmpty();
    assertThat(
            Schemas.validate(
                conversation.inputSchema(),
                Json.parse(
                    "{\"title\": \"Travel\", \"raw\": \"<p>x</p>\", \"html\": \"<p>y</p>\"}"),
                "parameters"))
        .isNotEmpty();
  }

  @Test
  void processExpenseSendsTheActionAndReportsTheNewStatus() {
    oc.stubFor(
        operation("ProcessExpense")
            .willReturn(
                data(
                    "{\"processExpense\": {\"id\": \"ex_9rj4kd2q\", \"publicId\": \"ex_9rj4kd2q\", \"legacyId\": 215530, \"status\": \"APPROVED\","
                        + " \"account\": {\"slug\": \"travel\", \"type\": \"PROJECT\", \"parent\": {\"slug\": \"coop-collective\"}}}}")));

    JsonNode result =
        runAction(
            "process-expense",
            "{\"expense_id\": \"ex_9rj4kd2q\", \"action\": \"APPROVE\", \"message\": \"ok by the assembly\"}");

    assertThat(norm(variables("ProcessExpense")))
        .isEqualTo(
            Json.parse(
                "{\"expense\": {\"id\": \"ex_9rj4kd2q\"}, \"action\": \"APPROVE\", \"message\": \"ok by the assembly\"}"));
    assertThat(norm(result))
        .isEqualTo(
            Json.parse(
                """
        {"id": "ex_9rj4kd2q", "legacy_id": 215530, "status": "APPROVED",
         "url": "https://opencollective.com/coop-collective/projects/travel/expenses/215530"}
        """));
  }

  // --- vote
  // ---------------------------------------------------------------------------------------

  @Test
  void closingAtIsOptionalAndMustBeInTheFuture() {
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    assertThat(voteSpec().adapter().closingAt(voteParams("{\"title\": \"abc\"}"), now)).isNull();
    assertThat(
            voteSpec()
                .adapter()
                .closingAt(
                    voteParams(
                        "{\"title\": \"abc\", \"closing_at\": \"2030-02-03T10:00:00+02:00\"}"),
                    now))
        .isEqualTo(Instant.parse("2030-02-03T08:00:00Z"));
    assertThatThrownBy(
            () ->
                voteSpec()
                    .adapter()
                    .closingAt(
                        voteParams("{\"title\": \"abc\", \"closing_at\": \"2029-12-31\"}"), now))
        .isInstanceOfSatisfying(
            InvalidInputException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(new FieldError("closing_at", "must be in the future")));
  }

  @Test
  void startCreatesATaggedConversationAndRecordsIt() {
    String tag = OpenCollectiveVote.processTag(COMMUNITY, 7);
    oc.stubFor(
        operation("OpenCollectiveConversationsByTag")
            .willReturn(
                data(
                    "{\"account\": {\"id\": \"acc_1a2b3c4d\", \"conversations\": {\"nodes\": []}}}")));
    oc.stubFor(
        operation("CreateConversation")
            .willReturn(
                data(
                    """
        {"createConversation": {"id": "conv_8k3pqz2m", "publicId": "conv_8k3pqz2m", "slug": "adopt-the-travel-policy",
          "title": "Adopt the travel policy", "tags": ["metagov-vote", "%s"], "account": {"slug": "coop-collective", "type": "COLLECTIVE"},
          "body": {"id": "cmt_5x7wq1vd", "reactions": {}}, "stats": {"id": "conv_8k3pqz2m", "commentsCount": 1}}}
        """
                        .formatted(tag))));

    ProcessSnapshot snapshot =
        voteSpec()
            .adapter()
            .start(
                context,
                new ProcessInstance(
                    7,
                    COMMUNITY,
                    voteParams(
                        "{\"title\": \"Adopt the travel policy\", \"details\": \"<p>See the draft.</p>\", \"closing_at\": \"2099-01-01\"}"),
                    Json.object()));

    assertThat(tag).startsWith("metagov-process-").hasSize(32).isLowerCase();
    assertThat(norm(variables("OpenCollectiveConversationsByTag")))
        .isEqualTo(Json.parse("{\"slug\": \"coop-collective\", \"tag\": \"" + tag + "\"}"));
    JsonNode create = variables("CreateConversation");
    assertThat(create.path("title").asString()).isEqualTo("Adopt the travel policy");
    assertThat(create.path("html").asString())
        .startsWith("<p>See the draft.</p>")
        .contains("👍 for yes")
        .contains("👎 for no");
    assertThat(norm(create.path("tags")))
        .isEqualTo(Json.parse("[\"metagov-vote\", \"" + tag + "\"]"));
    assertThat(norm(create.path("account")))
        .isEqualTo(Json.parse("{\"slug\": \"coop-collective\"}"));

    assertThat(norm(snapshot.platformState()))
        .isEqualTo(
            Json.parse(
                "{\"conversation_id\": \"conv_8k3pqz2m\", \"conversation_slug\": \"adopt-the-travel-policy\", \"conversation_public_id\": \"conv_8k3pqz2m\"}"));
    assertThat(snapshot.url())
        .isEqualTo(
            "https://opencollective.com/coop-collective/conversations/adopt-the-travel-policy-conv_8k3pqz2m");
    assertThat(snapshot.routingKeys()).containsExactly("conversation:conv_8k3pqz2m");
    assertThat(snapshot.closed()).isFalse();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"yes\": 0, \"no\": 0}"));
    assertThat(snapshot.outcome().path("poll_url").asString()).isEqualTo(snapshot.url());
  }

  @Test
  void aRetriedStartAdoptsTheConversationTheFirstAttemptCreated() {
    String tag = OpenCollectiveVote.processTag(COMMUNITY, 7);
    JsonNode conversation =
        Json.parse(fixture("conversation-open.json")).path("data").path("conversation");
    ((ObjectNode) conversation).set("tags", Json.parse("[\"metagov-vote\", \"" + tag + "\"]"));
    oc.stubFor(
        operation("OpenCollectiveConversationsByTag")
            .willReturn(
                data(
                    "{\"account\": {\"id\": \"acc_1a2b3c4d\", \"conversations\": {\"nodes\": ["
                        + Json.write(conversation)
                        + "]}}}")));

    ProcessSnapshot snapshot =
        voteSpec()
            .adapter()
            .start(
                context,
                new ProcessInstance(
                    7,
                    COMMUNITY,
                    voteParams("{\"title\": \"Adopt the travel policy\"}"),
                    Json.object()));

    assertThat(requests("CreateConversation")).isEmpty();
    assertThat(snapshot.platformState().path("conversation_id").asString())
        .isEqualTo("conv_8k3pqz2m");
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"yes\": 3, \"no\": 1}"));
  }

  @Test
  void refreshCountsThumbsReactionsOnTheFirstComment() {
    oc.stubFor(
        operation("OpenCollectiveConversation")
            .willReturn(okJson(fixture("conversation-open.json"))));

    ProcessSnapshot snapshot = voteSpec().adapter().refresh(context, started());

    assertThat(norm(variables("OpenCollectiveConversation")))
        .isEqualTo(Json.parse("{\"id\": \"conv_8k3pqz2m\"}"));
    assertThat(snapshot.closed()).isFalse();
    assertThat(norm(snapshot.outcome()))
        .isEqualTo(
            Json.parse(
                """
        {"poll_url": "https://opencollective.com/coop-collective/conversations/adopt-the-travel-policy-conv_8k3pqz2m",
         "votes": {"yes": 3, "no": 1}, "reactions": {"👍️": 3, "👎": 1, "🎉": 2},
         "comments_count": 4, "title": "Adopt the travel policy", "closed": false}
        """));
    assertThat(snapshot.routingKeys()).containsExactly("conversation:conv_8k3pqz2m");
  }

  @Test
  void aDeletedConversationFailsTheRefresh() {
    oc.stubFor(
        operation("OpenCollectiveConversation")
            .willReturn(
                okJson(
                    "{\"errors\": [{\"message\": \"Conversation with public id conv_8k3pqz2m not found\", \"extensions\": {\"code\": \"NotFound\"}}], \"data\": {\"conversation\": null}}")));
    assertThatThrownBy(() -> voteSpec().adapter().refresh(context, started()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(PlatformException.Kind.REJECTED);
              assertThat(e.getMessage()).contains("not found");
            });
  }

  @Test
  void closePostsTheResultAndMarksTheTitle() {
    oc.stubFor(
        operation("OpenCollectiveConversation")
            .willReturn(okJson(fixture("conversation-open.json"))));
    oc.stubFor(
        operation("OpenCollectiveConversationComments")
            .willReturn(
                data(
                    "{\"conversation\": {\"id\": \"conv_8k3pqz2m\", \"comments\": {\"totalCount\": 3, \"nodes\": [{\"id\": \"cmt_a\", \"html\": \"<p>I like it</p>\"}]}}}")));
    oc.stubFor(
        operation("CreateComment")
            .willReturn(data("{\"createComment\": {\"id\": \"cmt_result\"}}")));
    JsonNode edited =
        Json.parse(fixture("conversation-open.json")).path("data").path("conversation");
    ((ObjectNode) edited).put("title", "[CLOSED] Adopt the travel policy");
    ((ObjectNode) edited).put("slug", "closed-adopt-the-travel-policy");
    oc.stubFor(
        operation("EditConversation")
            .willReturn(data("{\"editConversation\": " + Json.write(edited) + "}")));

    ProcessSnapshot snapshot = voteSpec().adapter().close(context, started());

    JsonNode comment = variables("CreateComment").path("comment");
    assertThat(comment.path("conversation").path("id").asString()).isEqualTo("conv_8k3pqz2m");
    assertThat(comment.path("html").asString())
        .contains("Voting is closed. Final count: 3 for")
        .contains("1 against");
    JsonNode edit = variables("EditConversation");
    assertThat(edit.path("id").asString()).isEqualTo("conv_8k3pqz2m");
    assertThat(edit.path("title").asString()).isEqualTo("[CLOSED] Adopt the travel policy");
    assertThat(norm(edit.path("tags")))
        .isEqualTo(Json.parse("[\"metagov-vote\", \"metagov-process-0123456789abcdef\"]"));
    assertThat(norm(variables("OpenCollectiveConversationComments")))
        .isEqualTo(Json.parse("{\"id\": \"conv_8k3pqz2m\", \"limit\": 30, \"offset\": 0}"));

    assertThat(snapshot.closed()).isTrue();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"yes\": 3, \"no\": 1}"));
    assertThat(snapshot.outcome().path("closed").asBoolean()).isTrue();
  }

  @Test
  void closingAClosedConversationPostsNothing() {
    JsonNode closed = Json.parse(fixture("conversation-open.json"));
    ((ObjectNode) closed.path("data").path("conversation"))
        .put("title", "[CLOSED] Adopt the travel policy");
    oc.stubFor(operation("OpenCollectiveConversation").willReturn(okJson(Json.write(closed))));

    ProcessSnapshot snapshot = voteSpec().adapter().close(context, started());

    assertThat(requests("CreateComment")).isEmpty();
    assertThat(requests("EditConversation")).isEmpty();
    assertThat(snapshot.closed()).isTrue();
    assertThat(norm(snapshot.outcome().path("votes")))
        .isEqualTo(Json.parse("{\"yes\": 3, \"no\": 1}"));
  }

  @Test
  void aCloseRetriedAfterTheCommentDoesNotPostItAgain() {
    oc.stubFor(
        operation("OpenCollectiveConversation")
            .willReturn(okJson(fixture("conversation-open.json"))));
    oc.stubFor(
        operation("OpenCollectiveConversationComments")
            .willReturn(
                data(
                    "{\"conversation\": {\"id\": \"conv_8k3pqz2m\", \"comments\": {\"totalCount\": 3, \"nodes\": [{\"id\": \"cmt_result\","
                        + " \"html\": \"<p>Voting is closed. Final count: 3 for (👍), 1 against (👎).</p>\"}]}}}")));
    oc.stubFor(operation("EditConversation").willReturn(data("{\"editConversation\": null}")));

    ProcessSnapshot snapshot = voteSpec().adapter().close(context, started());

    assertThat(requests("CreateComment")).isEmpty();
    assertThat(requests("EditConversation")).hasSize(1);
    assertThat(snapshot.closed()).isTrue();
  }

  // --- webhooks
  // -----------------------------------------------------------------------------------

  @Test
  void aWebhookForTheCollectiveIsAcceptedAndOneForAnotherIsRejected() {
    state.set("collective_legacy_id", Json.MAPPER.getNodeFactory().numberNode(58213));
    byte[] body = fixture("webhook-expense-approved.json").getBytes(StandardCharsets.UTF_8);
    plugin.webhookHandler().verify(WebhookRequest.of(context, Map.of(), body));

    byte[] other =
        fixture("webhook-expense-approved.json")
            .replace("\"CollectiveId\": 58213", "\"CollectiveId\": 11004")
            .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(
            () -> plugin.webhookHandler().verify(WebhookRequest.of(context, Map.of(), other)))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("11004");
    assertThat(oc.getAllServeEvents()).isEmpty();
  }

  @Test
  void withoutTheCollectiveInTheStateVerifyCallsNothingAndEnrichChecksTheCollective() {
    stubAccount();
    oc.stubFor(operation("OpenCollectiveExpense").willReturn(okJson(fixture("expense.json"))));
    byte[] other =
        fixture("webhook-expense-approved.json")
            .replace("\"CollectiveId\": 58213", "\"CollectiveId\": 11004")
            .getBytes(StandardCharsets.UTF_8);
    WebhookRequest request = WebhookRequest.of(context, Map.of(), other);
    plugin.webhookHandler().verify(request);
    ParsedWebhook webhook = plugin.webhookHandler().parse(request);
    assertThat(oc.getAllServeEvents()).as("no platform call before the acknowledgement").isEmpty();

    assertThat(plugin.webhookHandler().enrich(context, webhook.events().get(0)))
        .as("another collective's event is dropped")
        .isNull();
    assertThat(state.get("collective_legacy_id").asLong()).isEqualTo(58213);
    assertThat(requests("OpenCollectiveExpense")).isEmpty();
  }

  @Test
  void anExpenseWebhookIsReadWithoutThePlatformAndEnrichReFetchesTheExpense() {
    state.set("collective_legacy_id", Json.MAPPER.getNodeFactory().numberNode(58213));
    oc.stubFor(operation("OpenCollectiveExpense").willReturn(okJson(fixture("expense.json"))));
    byte[] body = fixture("webhook-expense-approved.json").getBytes(StandardCharsets.UTF_8);

    ParsedWebhook webhook =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of("content-type", "application/json"), body));
    assertThat(oc.getAllServeEvents()).as("no platform call before the acknowledgement").isEmpty();
    assertThat(webhook.eventType()).isEqualTo("collective.expense.approved");
    assertThat(webhook.routingKeys()).isEmpty();
    assertThat(webhook.events()).hasSize(1);

    PlatformEvent event = plugin.webhookHandler().enrich(context, webhook.events().get(0));
    assertThat(norm(variables("OpenCollectiveExpense")))
        .isEqualTo(Json.parse("{\"expense\": {\"id\": \"ex_9rj4kd2q\"}}"));
    assertThat(event.eventType()).isEqualTo("expense_approved");
    assertThat(event.initiatorUserId()).isEqualTo("ben-treasurer");
    assertThat(event.data().path("status").asString()).isEqualTo("APPROVED");
    assertThat(event.data().path("description").asString())
        .isEqualTo("Train tickets to the assembly");
    assertThat(event.data().path("url").asString())
        .isEqualTo("https://opencollective.com/coop-collective/expenses/215530");
    assertThat(event.data().has("formattedAmount")).isFalse();
  }

  @Test
  void aCreatedExpenseIsInitiatedByItsCreatorAndADeletedOneIsReportedFromTheHint() {
    state.set("collective_legacy_id", Json.MAPPER.getNodeFactory().numberNode(58213));
    oc.stubFor(operation("OpenCollectiveExpense").willReturn(okJson(fixture("expense.json"))));
    String created =
        fixture("webhook-expense-approved.json")
            .replace("collective.expense.approved", "collective.expense.created");
    ParsedWebhook webhook =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), created.getBytes(StandardCharsets.UTF_8)));
    PlatformEvent createdEvent = plugin.webhookHandler().enrich(context, webhook.events().get(0));
    assertThat(createdEvent.eventType()).isEqualTo("expense_created");
    assertThat(createdEvent.initiatorUserId()).isEqualTo("ana-lopez");

    oc.stubFor(operation("OpenCollectiveExpense").willReturn(data("{\"expense\": null}")));
    String deleted =
        fixture("webhook-expense-approved.json")
            .replace("collective.expense.approved", "collective.expense.deleted")
            .replace("\"publicId\": \"ex_9rj4kd2q\",", "");
    ParsedWebhook gone =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), deleted.getBytes(StandardCharsets.UTF_8)));
    PlatformEvent event = plugin.webhookHandler().enrich(context, gone.events().get(0));
    JsonNode lastVariables =
        Json.parse(requests("OpenCollectiveExpense").get(1).getBodyAsString()).path("variables");
    assertThat(lastVariables.path("expense").path("id").asString())
        .isEqualTo("8a7kmzqv-l3r0ejgy-4wdb9ox5-yn6gp2d1");
    assertThat(event.eventType()).isEqualTo("expense_deleted");
    assertThat(event.data().path("deleted").asBoolean()).isTrue();
    assertThat(event.data().path("id").asLong()).isEqualTo(215530);
  }

  @Test
  void conversationActivitiesRouteToTheirVoteWhenTheyNameIt() {
    String empty =
        "{\"id\": 48291800, \"type\": \"conversation.comment.created\", \"CollectiveId\": 58213, \"createdAt\": \"2030-03-02T12:00:00.000Z\", \"data\": {}}";
    ParsedWebhook hint =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), empty.getBytes(StandardCharsets.UTF_8)));
    assertThat(hint.routingKeys()).isEmpty();
    assertThat(hint.events()).isEmpty();

    String named =
        "{\"id\": 48291801, \"type\": \"collective.conversation.created\", \"CollectiveId\": 58213,"
            + " \"data\": {\"conversation\": {\"publicId\": \"conv_8k3pqz2m\", \"id\": 991}}}";
    ParsedWebhook routed =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), named.getBytes(StandardCharsets.UTF_8)));
    assertThat(routed.routingKeys()).containsExactly("conversation:conv_8k3pqz2m");
    assertThat(oc.getAllServeEvents()).isEmpty();
  }

  @Test
  void anUnreadableWebhookIsInvalidInput() {
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
                            "{\"CollectiveId\": 1}".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void anUnmappedActivityIsAcceptedWithoutEvents() {
    String order =
        "{\"id\": 5, \"type\": \"order.processed\", \"CollectiveId\": 58213, \"data\": {\"order\": {\"id\": 1}}}";
    ParsedWebhook webhook =
        plugin
            .webhookHandler()
            .parse(WebhookRequest.of(context, Map.of(), order.getBytes(StandardCharsets.UTF_8)));
    assertThat(webhook.events()).isEmpty();
    assertThat(webhook.routingKeys()).isEmpty();
    assertThat(requests("OpenCollectiveExpense")).isEmpty();
  }
}

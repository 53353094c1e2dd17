package org.metagov.activities.plugins.opencollective;

import java.util.List;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginState;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Open Collective (GraphQL v2): a yes/no vote counted from reactions on a conversation,
 * conversations, comments, expense processing and the member list as actions, and Open Collective's
 * webhooks as expense events.
 *
 * <p>What was checked in opencollective/opencollective-api (and is relied on here):
 *
 * <ul>
 *   <li>Endpoint {@code {server_url}/graphql/v2} ({@code server/routes.ts}); a personal token is
 *       read from the {@code Personal-Token} header ({@code checkPersonalToken} in {@code
 *       server/middleware/authentication.ts}), an OAuth token from {@code Authorization: Bearer}.
 *       See {@link OpenCollectiveApi}.
 *   <li>{@code account(slug, throwIfMissing: false)} answers null for an unknown slug; {@code
 *       createWebhook(webhook: {account, activityType, webhookUrl})} with {@code activityType}
 *       defaulting to {@code ACTIVITY_ALL}; {@code deleteWebhook(webhook: {id})}; {@code webhooks}
 *       exists on the concrete account types, not on the Account interface ({@code
 *       server/graphql/schemaV2.graphql}, {@code server/graphql/v2/mutation/WebhookMutations.js}).
 *   <li>{@code createConversation(title, html, account, tags)} ({@code CollectiveId} is
 *       deprecated), {@code editConversation(id, title, tags)}, {@code createComment(comment:
 *       {html, conversation: {id} | expense: {id}})}, {@code processExpense(expense, action,
 *       message, paymentParams)} with the {@code ExpenseProcessAction} enum ({@code
 *       server/graphql/v2/mutation/ConversationMutations.ts}, {@code CommentMutations.js}, {@code
 *       enum/ExpenseProcessAction.ts}).
 *   <li>A conversation's page is {@code {website}/{account}/conversations/{slug}-{id}} ({@code
 *       getConversationPageUrl} in opencollective-frontend {@code lib/url-helpers.ts}); an
 *       expense's is {@code {website}/{account}/expenses/{legacyId}}, with projects and events
 *       under their parent.
 *   <li>Webhooks ({@code server/lib/notifications/index.ts}, {@code server/lib/webhooks.ts}): a
 *       POST of {@code {"id", "type", "createdAt", "CollectiveId", "data"}} where {@code id} is the
 *       activity's id and {@code CollectiveId} the legacy id of the account the webhook is
 *       registered on; delivered once, with no signature and no retry. For expense activities
 *       {@code data.expense} holds {@code id} (legacy), {@code idV2}, {@code publicId},
 *       description, amount and currency; for conversation and comment activities {@code data} is
 *       empty.
 * </ul>
 *
 * <p><b>Webhooks.</b> {@link #onEnable} registers one {@code ACTIVITY_ALL} webhook per receiver URL
 * and remembers it in the plugin state (and adopts an existing one with the same URL), so
 * re-enabling or changing the config does not register it twice. Open Collective cannot sign, so
 * the receiver's {@code webhook_slug} is the proof; the handler also refuses a payload for another
 * collective, and re-reads each expense from the API before telling the Driver. See {@link
 * OpenCollectiveWebhooks}; for the vote see {@link OpenCollectiveVote}.
 */
@Component
public class OpenCollectivePlugin implements Plugin {

  static final String NAME = "opencollective";
  static final String DEFAULT_SERVER = "https://api.opencollective.com";
  static final String DEFAULT_WEBSITE = "https://opencollective.com";

  static final String STATE_COLLECTIVE_ID = "collective_id";
  static final String STATE_COLLECTIVE_LEGACY_ID = "collective_legacy_id";
  static final String STATE_COLLECTIVE_SLUG = "collective_slug";
  static final String STATE_WEBHOOK_ID = "webhook_id";
  static final String STATE_WEBHOOK_URL = "webhook_url";
  static final String STATE_WEBHOOK_COLLECTIVE_ID = "webhook_collective_id";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "access_token": {"type": "string", "minLength": 1, "maxLength": 2000, "writeOnly": true,
                          "description": "A personal token (Open Collective: Settings, For developers, Personal tokens) of an admin of the collective, with the conversations, expenses and webhooks scopes; or an OAuth access token with token_type oauth."},
         "token_type": {"type": "string", "enum": ["personal", "oauth"], "default": "personal",
                        "description": "personal sends the token as the Personal-Token header; oauth as Authorization: Bearer."},
         "collective_slug": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]*$",
                             "description": "The collective's slug, as in https://opencollective.com/<slug>."},
         "server_url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000,
                        "default": "https://api.opencollective.com", "description": "Base URL of the Open Collective API; GraphQL v2 is at {server_url}/graphql/v2."},
         "website_url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000,
                         "default": "https://opencollective.com", "description": "Base URL of the Open Collective website, for links to conversations and expenses."},
         "webhook_slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                          "description": "Unguessable last path segment of the hook URL registered on Open Collective; Open Collective cannot sign its webhooks, so this is what proves they come from it."}
       },
       "required": ["access_token", "collective_slug"],
       "additionalProperties": false}
      """);

  private static final JsonNode MEMBERS_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "role": {"type": "array", "items": {"type": "string", "enum": ["BACKER", "ADMIN", "CONTRIBUTOR", "HOST", "ATTENDEE", "MEMBER", "COMMUNITY_MANAGER", "FOLLOWER", "ACCOUNTANT", "CONNECTED_ACCOUNT"]},
                  "uniqueItems": true, "maxItems": 10, "description": "Only members with one of these roles (Open Collective's MemberRole)."}
       },
       "additionalProperties": false}
      """);

  private static final JsonNode MEMBERS_OUTPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"members": {"type": "array", "items": {"type": "object",
         "properties": {"id": {"type": "string", "description": "The member's account id."}, "slug": {"type": ["string", "null"]},
                        "name": {"type": ["string", "null"]}, "role": {"type": "string"}}}}}}
      """);

  private static final JsonNode CONVERSATION_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 3, "maxLength": 255, "description": "The conversation's title."},
         "html": {"type": "string", "minLength": 1, "maxLength": 100000, "description": "The first comment (HTML; Open Collective sanitizes it)."},
         "raw": {"type": "string", "minLength": 1, "maxLength": 100000, "description": "The gateway's name for html; give one of the two."},
         "tags": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 32}, "maxItems": 30, "description": "Tags (lower-cased by Open Collective)."}
       },
       "required": ["title"],
       "oneOf": [{"required": ["html"]}, {"required": ["raw"]}],
       "additionalProperties": false}
      """);

  private static final JsonNode CONVERSATION_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"id": {"type": "string"}, "slug": {"type": "string"}, "url": {"type": "string"}}}
      """);

  private static final JsonNode COMMENT_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "conversation_id": {"type": "string", "minLength": 1, "maxLength": 100, "description": "The conversation to comment on."},
         "expense_id": {"type": ["string", "integer"], "minLength": 1, "maxLength": 100, "minimum": 1, "description": "The expense to comment on: its id (ex_... or the long public id), or its number as in the expense's URL."},
         "html": {"type": "string", "minLength": 1, "maxLength": 100000, "description": "The comment (HTML)."},
         "raw": {"type": "string", "minLength": 1, "maxLength": 100000, "description": "The gateway's name for html; give one of the two."}
       },
       "allOf": [{"oneOf": [{"required": ["conversation_id"]}, {"required": ["expense_id"]}]},
                 {"oneOf": [{"required": ["html"]}, {"required": ["raw"]}]}],
       "additionalProperties": false}
      """);

  private static final JsonNode COMMENT_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"id": {"type": "string"}}}
      """);

  private static final JsonNode PROCESS_EXPENSE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "expense_id": {"type": ["string", "integer"], "minLength": 1, "maxLength": 100, "minimum": 1, "description": "The expense: its id (ex_... or the long public id), or its number as in the expense's URL."},
         "action": {"type": "string", "enum": ["APPROVE", "UNAPPROVE", "REQUEST_RE_APPROVAL", "REJECT", "MARK_AS_UNPAID", "SCHEDULE_FOR_PAYMENT", "UNSCHEDULE_PAYMENT", "PAY", "MARK_AS_SPAM", "MARK_AS_INCOMPLETE", "HOLD", "RELEASE"],
                    "description": "Open Collective's ExpenseProcessAction."},
         "message": {"type": "string", "maxLength": 10000, "description": "A message attached to the action's activity."},
         "payment_params": {"type": "object", "description": "Open Collective's ProcessExpensePaymentParams for PAY and MARK_AS_UNPAID, e.g. {\\"forceManual\\": true}."}
       },
       "required": ["expense_id", "action"],
       "additionalProperties": false}
      """);

  private static final JsonNode EXPENSE_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"id": {"type": "string"}, "legacy_id": {"type": ["integer", "null"]},
       "status": {"type": "string"}, "url": {"type": ["string", "null"]}}}
      """);

  private static final int MEMBERS_PAGE = 100;
  private static final int MEMBERS_MAX_PAGES = 50;

  private final OpenCollectiveVote vote = new OpenCollectiveVote();
  private final WebhookHandler webhooks = new OpenCollectiveWebhooks();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Open Collective: yes/no votes by reactions on a conversation; conversations, comments, expense processing and"
        + " members; expense events.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "list-members",
            "List the members of the collective.",
            MEMBERS_INPUT,
            MEMBERS_OUTPUT,
            this::listMembers),
        new ActionSpec(
            "create-conversation",
            "Start a conversation on the collective.",
            CONVERSATION_INPUT,
            CONVERSATION_OUTPUT,
            this::createConversation),
        new ActionSpec(
            "create-comment",
            "Comment on a conversation or an expense.",
            COMMENT_INPUT,
            COMMENT_OUTPUT,
            this::createComment),
        new ActionSpec(
            "process-expense",
            "Approve, reject, pay or otherwise process an expense.",
            PROCESS_EXPENSE_INPUT,
            EXPENSE_OUTPUT,
            this::processExpense));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "vote",
            "A yes/no vote in a new conversation: members react with 👍 (yes) or 👎 (no) to its first comment. It closes at"
                + " closing_at if given, or when closed early by DELETE; closing prefixes the title with [CLOSED] and posts the result.",
            OpenCollectiveVote.INPUT,
            OpenCollectiveVote.OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            vote));
  }

  @Override
  public List<String> eventTypes() {
    return OpenCollectiveWebhooks.EVENT_TYPES;
  }

  @Override
  public WebhookHandler webhookHandler() {
    return webhooks;
  }

  // --- enabling
  // -----------------------------------------------------------------------------------

  @Override
  public void onEnable(PluginContext context, String webhookUrl) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    JsonNode account = lookUpCollective(api);
    PluginState state = context.state();
    String collectiveId = account.path("id").asString();
    if (webhookUrl == null) {
      return;
    }
    JsonNode registeredUrl = state.get(STATE_WEBHOOK_URL);
    JsonNode registeredOn = state.get(STATE_WEBHOOK_COLLECTIVE_ID);
    JsonNode registeredId = state.get(STATE_WEBHOOK_ID);
    if (registeredUrl != null
        && webhookUrl.equals(registeredUrl.asString(null))
        && registeredOn != null
        && collectiveId.equals(registeredOn.asString(null))
        && registeredId != null) {
      return; // already registered for this URL on this collective
    }
    String webhookId = existingWebhook(api, webhookUrl);
    if (webhookId == null) {
      ObjectNode webhook = Json.object();
      ObjectNode reference = Json.object();
      reference.put("slug", api.collectiveSlug());
      webhook.set("account", reference);
      webhook.put("activityType", "ACTIVITY_ALL");
      webhook.put("webhookUrl", webhookUrl);
      ObjectNode variables = Json.object();
      variables.set("webhook", webhook);
      JsonNode created =
          api.call(
                  OpenCollectiveQueries.CREATE_WEBHOOK,
                  OpenCollectiveQueries.CREATE_WEBHOOK_MUTATION,
                  variables,
                  "register Metagov's webhook on the collective")
              .path("createWebhook");
      webhookId = created.path("id").asString(null);
      if (webhookId == null) {
        throw new PlatformException(
            Kind.FAILED,
            OpenCollectiveApi.PLATFORM,
            200,
            "Open Collective's answer to createWebhook has no webhook id.");
      }
    }
    if (registeredId != null
        && registeredId.isString()
        && !registeredId.asString().equals(webhookId)) {
      deleteQuietly(api, registeredId.asString());
    }
    state.set(STATE_WEBHOOK_ID, Json.MAPPER.getNodeFactory().stringNode(webhookId));
    state.set(STATE_WEBHOOK_URL, Json.MAPPER.getNodeFactory().stringNode(webhookUrl));
    state.set(STATE_WEBHOOK_COLLECTIVE_ID, Json.MAPPER.getNodeFactory().stringNode(collectiveId));
  }

  /**
   * Reads the configured collective and records its ids in the state. An unknown slug is the
   * Driver's mistake in the config.
   */
  static JsonNode lookUpCollective(OpenCollectiveApi api) {
    String slug = api.collectiveSlug();
    ObjectNode variables = Json.object();
    variables.put("slug", slug);
    JsonNode account =
        api.call(
                OpenCollectiveQueries.ACCOUNT,
                OpenCollectiveQueries.ACCOUNT_QUERY,
                variables,
                "look up the collective " + slug)
            .path("account");
    if (!account.isObject()) {
      throw InvalidInputException.of(
          "config.collective_slug", "'" + slug + "' was not found on Open Collective");
    }
    PluginState state = api.context().state();
    state.set(STATE_COLLECTIVE_ID, account.path("id").deepCopy());
    state.set(STATE_COLLECTIVE_LEGACY_ID, account.path("legacyId").deepCopy());
    state.set(
        STATE_COLLECTIVE_SLUG,
        Json.MAPPER.getNodeFactory().stringNode(account.path("slug").asString(slug)));
    return account;
  }

  /**
   * The id of an {@code ACTIVITY_ALL} webhook to this URL that the collective already has, or null.
   */
  private static String existingWebhook(OpenCollectiveApi api, String webhookUrl) {
    ObjectNode variables = Json.object();
    variables.put("slug", api.collectiveSlug());
    JsonNode account =
        api.call(
                OpenCollectiveQueries.WEBHOOKS,
                OpenCollectiveQueries.WEBHOOKS_QUERY,
                variables,
                "list the collective's webhooks")
            .path("account");
    for (JsonNode webhook : account.path("webhooks").path("nodes")) {
      if (webhookUrl.equals(webhook.path("webhookUrl").asString(null))
          && "ACTIVITY_ALL".equals(webhook.path("activityType").asString("ACTIVITY_ALL"))) {
        return webhook.path("id").asString(null);
      }
    }
    return null;
  }

  /**
   * Removes the webhook this plugin registered, once the community disabled the plugin: Open
   * Collective would otherwise go on posting the collective's activity to a receiver that no longer
   * accepts it. A refusal (the webhook already gone, the token revoked) ends the teardown; an
   * outage is retried.
   */
  @Override
  public void onDisable(PluginContext context) {
    JsonNode registeredId = context.state().get(STATE_WEBHOOK_ID);
    if (registeredId == null || registeredId.asString("").isBlank()) {
      return;
    }
    deleteQuietly(new OpenCollectiveApi(context), registeredId.asString());
  }

  /** Removes a webhook this plugin registered; one that is already gone is fine. */
  private static void deleteQuietly(OpenCollectiveApi api, String webhookId) {
    ObjectNode reference = Json.object();
    reference.put("id", webhookId);
    ObjectNode variables = Json.object();
    variables.set("webhook", reference);
    try {
      api.call(
          OpenCollectiveQueries.DELETE_WEBHOOK,
          OpenCollectiveQueries.DELETE_WEBHOOK_MUTATION,
          variables,
          "delete the webhook Metagov registered");
    } catch (PlatformException e) {
      if (e.kind() != Kind.REJECTED) {
        throw e;
      }
      // Gone already, or not ours to delete: nothing is left to remove.
    }
  }

  // --- actions
  // ------------------------------------------------------------------------------------

  private JsonNode listMembers(PluginContext context, JsonNode parameters) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    ArrayNode members = Json.MAPPER.createArrayNode();
    for (int page = 0; page < MEMBERS_MAX_PAGES; page++) {
      ObjectNode variables = Json.object();
      variables.put("slug", api.collectiveSlug());
      variables.put("limit", MEMBERS_PAGE);
      variables.put("offset", page * MEMBERS_PAGE);
      if (parameters.path("role").isArray() && !parameters.path("role").isEmpty()) {
        variables.set("role", parameters.get("role").deepCopy());
      } else {
        variables.putNull("role");
      }
      JsonNode account =
          api.call(
                  OpenCollectiveQueries.MEMBERS,
                  OpenCollectiveQueries.MEMBERS_QUERY,
                  variables,
                  "list the collective's members")
              .path("account");
      if (!account.isObject()) {
        throw collectiveGone(api);
      }
      JsonNode nodes = account.path("members").path("nodes");
      for (JsonNode node : nodes) {
        JsonNode member = node.path("account");
        ObjectNode row = members.addObject();
        row.put("id", member.path("id").asString(node.path("id").asString(null)));
        row.put("slug", member.path("slug").asString(null));
        row.put("name", member.path("name").asString(null));
        row.put("role", node.path("role").asString(null));
      }
      int total = account.path("members").path("totalCount").asInt(0);
      if (nodes.size() < MEMBERS_PAGE || (page + 1) * MEMBERS_PAGE >= total) {
        break;
      }
    }
    ObjectNode result = Json.object();
    result.set("members", members);
    return result;
  }

  private JsonNode createConversation(PluginContext context, JsonNode parameters) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    List<String> tags = new java.util.ArrayList<>();
    parameters.path("tags").forEach(tag -> tags.add(tag.asString()));
    JsonNode conversation =
        createConversation(api, parameters.path("title").asString(), html(parameters), tags);
    ObjectNode result = Json.object();
    result.put("id", conversation.path("id").asString());
    result.put("slug", conversation.path("slug").asString());
    result.put("url", conversationUrl(api, conversation));
    return result;
  }

  /**
   * The text of a conversation or comment, under this plugin's name {@code html} or the gateway's
   * {@code raw}.
   */
  private static String html(JsonNode parameters) {
    return parameters.hasNonNull("html")
        ? parameters.get("html").asString()
        : parameters.path("raw").asString();
  }

  static JsonNode createConversation(
      OpenCollectiveApi api, String title, String html, List<String> tags) {
    ObjectNode variables = Json.object();
    variables.put("title", title);
    variables.put("html", html);
    ObjectNode account = Json.object();
    account.put("slug", api.collectiveSlug());
    variables.set("account", account);
    ArrayNode tagList = variables.putArray("tags");
    tags.forEach(tagList::add);
    JsonNode conversation =
        api.call(
                OpenCollectiveQueries.CREATE_CONVERSATION,
                OpenCollectiveQueries.CREATE_CONVERSATION_MUTATION,
                variables,
                "create the conversation")
            .path("createConversation");
    if (!conversation.path("id").isString()) {
      throw new PlatformException(
          Kind.FAILED,
          OpenCollectiveApi.PLATFORM,
          200,
          "Open Collective's answer to createConversation has no conversation id.");
    }
    return conversation;
  }

  private JsonNode createComment(PluginContext context, JsonNode parameters) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    ObjectNode comment = Json.object();
    comment.put("html", html(parameters));
    if (parameters.hasNonNull("conversation_id")) {
      ObjectNode conversation = Json.object();
      conversation.put("id", parameters.path("conversation_id").asString());
      comment.set("conversation", conversation);
    } else {
      comment.set("expense", expenseReference(parameters.path("expense_id"), "expense_id"));
    }
    JsonNode created = createComment(api, comment, "post the comment");
    ObjectNode result = Json.object();
    result.put("id", created.path("id").asString());
    return result;
  }

  static JsonNode createComment(OpenCollectiveApi api, ObjectNode comment, String what) {
    ObjectNode variables = Json.object();
    variables.set("comment", comment);
    JsonNode created =
        api.call(
                OpenCollectiveQueries.CREATE_COMMENT,
                OpenCollectiveQueries.CREATE_COMMENT_MUTATION,
                variables,
                what)
            .path("createComment");
    if (!created.path("id").isString()) {
      throw new PlatformException(
          Kind.FAILED,
          OpenCollectiveApi.PLATFORM,
          200,
          "Open Collective's answer to createComment has no comment id.");
    }
    return created;
  }

  private JsonNode processExpense(PluginContext context, JsonNode parameters) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    ObjectNode variables = Json.object();
    variables.set("expense", expenseReference(parameters.path("expense_id"), "expense_id"));
    variables.put("action", parameters.path("action").asString());
    if (parameters.hasNonNull("message")) {
      variables.put("message", parameters.path("message").asString());
    }
    if (parameters.path("payment_params").isObject()) {
      variables.set("paymentParams", parameters.get("payment_params").deepCopy());
    }
    String action = parameters.path("action").asString();
    JsonNode expense =
        api.call(
                OpenCollectiveQueries.PROCESS_EXPENSE,
                OpenCollectiveQueries.PROCESS_EXPENSE_MUTATION,
                variables,
                action + " the expense " + parameters.path("expense_id").asString())
            .path("processExpense");
    ObjectNode result = Json.object();
    result.put("id", expense.path("id").asString(null));
    if (expense.path("legacyId").isNumber()) {
      result.put("legacy_id", expense.path("legacyId").asLong());
    } else {
      result.putNull("legacy_id");
    }
    result.put("status", expense.path("status").asString(null));
    result.put("url", expenseUrl(api, expense));
    return result;
  }

  /**
   * An ExpenseReferenceInput: {@code {"legacyId": n}} for the number people see in expense URLs,
   * {@code {"id": ...}} for a GraphQL id or public id.
   */
  static ObjectNode expenseReference(JsonNode value, String field) {
    ObjectNode reference = Json.object();
    String text = value.isNumber() ? String.valueOf(value.asLong()) : value.asString("").strip();
    if (text.isEmpty()) {
      throw InvalidInputException.of(field, "is empty");
    }
    if (text.chars().allMatch(Character::isDigit) && text.length() <= 9) {
      reference.put("legacyId", Integer.parseInt(text));
    } else {
      reference.put("id", text);
    }
    return reference;
  }

  // --- links
  // --------------------------------------------------------------------------------------

  /** The path of an account's page: projects and events live under their parent. */
  static String accountRoute(JsonNode account, String fallbackSlug) {
    String slug = account.path("slug").asString(fallbackSlug);
    String type = account.path("type").asString("");
    String parent = account.path("parent").path("slug").asString(null);
    if (parent != null && "PROJECT".equals(type)) {
      return "/" + parent + "/projects/" + slug;
    }
    if (parent != null && "EVENT".equals(type)) {
      return "/" + parent + "/events/" + slug;
    }
    return "/" + slug;
  }

  static String conversationUrl(OpenCollectiveApi api, JsonNode conversation) {
    return api.websiteUrl()
        + accountRoute(conversation.path("account"), api.collectiveSlug())
        + "/conversations/"
        + conversation.path("slug").asString("conversation")
        + "-"
        + conversation.path("id").asString();
  }

  static String expenseUrl(OpenCollectiveApi api, JsonNode expense) {
    if (!expense.path("legacyId").isNumber()) {
      return null;
    }
    return api.websiteUrl()
        + accountRoute(expense.path("account"), api.collectiveSlug())
        + "/expenses/"
        + expense.path("legacyId").asLong();
  }

  static PlatformException collectiveGone(OpenCollectiveApi api) {
    return new PlatformException(
        Kind.REJECTED,
        OpenCollectiveApi.PLATFORM,
        200,
        "The collective '"
            + api.collectiveSlug()
            + "' was not found on Open Collective; check the config's collective_slug.");
  }
}

package org.metagov.activities.plugins.loomio;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRequest;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Loomio ({@code api/b2}): polls as governance processes, discussions and the member list as
 * actions, and Loomio's outgoing webhooks as hints that a poll changed.
 *
 * <p>The api_key belongs to a Loomio user and is sent only as {@code Authorization: Bearer <key>};
 * it is never put in a URL or an error message. See {@link LoomioPoll} for how a retried start
 * avoids a second poll, and why the poll cannot be closed early.
 *
 * <p><b>Webhooks.</b> Loomio's webhooks are chat messages ({@code {"text": markdown, "icon_url",
 * "username"}}) with no signature, event kind or delivery id. Their authenticity comes only from
 * the unguessable {@code webhook_slug} in the hook URL, which the receiver checks before this
 * plugin sees the request; configure one. The payload is only a hint: the plugin finds the first
 * {@code /p/<key>} link in the text, routes the webhook to the process of that poll, and the poll
 * is then re-read from Loomio's API, so a forged or replayed webhook can cause at most an extra
 * read.
 */
@Component
public class LoomioPlugin implements Plugin {

  static final String DEFAULT_SERVER = "https://www.loomio.org";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "api_key": {"type": "string", "minLength": 1, "maxLength": 500, "writeOnly": true,
                     "description": "API key of the Loomio user the plugin acts as (Loomio: profile, API keys)."},
         "server_url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000,
                        "default": "https://www.loomio.org", "description": "Base URL of the Loomio server."},
         "webhook_slug": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$",
                          "description": "Unguessable last path segment of the hook URL given to Loomio's webhook integration; Loomio cannot sign its webhooks, so this is what proves they come from it."},
         "group_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991,
                      "description": "The Loomio group polls and discussions go to, unless a request names another."}
       },
       "required": ["api_key"],
       "additionalProperties": false}
      """);

  private static final String RECIPIENT_PROPERTIES =
      """
         "recipient_audience": {"type": ["string", "null"], "enum": ["group", null], "description": "\\"group\\" notifies the whole group."},
         "recipient_user_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": 1000, "description": "Loomio user ids to invite and notify."},
         "recipient_emails": {"type": "array", "items": {"type": "string", "format": "email", "maxLength": 320}, "maxItems": 1000, "description": "Email addresses to invite."},
         "recipient_message": {"type": "string", "maxLength": 5000, "description": "A message sent with the invitation."}
      """;

  private static final JsonNode POLL_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 1, "maxLength": 250, "description": "The poll's title."},
         "options": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 250}, "minItems": 1, "maxItems": 100,
                     "description": "The options voters choose from (for a proposal, e.g. agree, abstain, disagree)."},
         "closing_at": {"type": "string", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$",
                        "description": "When the poll closes: an ISO-8601 date (the start of that day, UTC) or date-time (UTC if it has no offset). Must be in the future."},
         "details": {"type": "string", "maxLength": 100000, "description": "The poll's description."},
         "details_format": {"type": "string", "enum": ["md", "html"], "default": "md", "description": "Format of details."},
         "poll_type": {"type": "string", "enum": ["proposal", "poll", "count", "score", "ranked_choice", "meeting", "dot_vote"],
                       "default": "proposal", "description": "Loomio's poll type."},
         "group_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "The group to poll; the config's group_id when absent."},
         "subgroup": {"type": ["integer", "string"], "minimum": 1, "maximum": 9007199254740991, "pattern": "^[1-9][0-9]{0,15}$",
                      "description": "The gateway's name for group_id: the group's id (Loomio's API addresses groups by id); give one of the two."},
         "specified_voters_only": {"type": "boolean", "description": "Only invited people may vote, not the whole group."},
         "hide_results": {"type": "string", "enum": ["off", "until_vote", "until_closed"], "description": "When voters see the results."},
         "anonymous": {"type": "boolean", "description": "Hide who voted how (also hides results until closed)."},
         "notify_on_closing_soon": {"type": "string", "enum": ["nobody", "author", "undecided_voters", "voters"], "description": "Who is reminded before the poll closes."},
      """
              + RECIPIENT_PROPERTIES
              + """
         ,
         "notify_recipients": {"type": "boolean", "description": "Whether the recipients are notified."}
       },
       "required": ["title", "options", "closing_at"],
       "not": {"required": ["group_id", "subgroup"]},
       "additionalProperties": false}
      """);

  private static final JsonNode POLL_OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "poll_url": {"type": "string"},
         "votes": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}, "description": "Option name to number of voters who chose it; null while Loomio hides the results."},
         "voters": {"type": "object", "additionalProperties": {"type": ["array", "null"]}, "description": "Option name to the ids of (up to 50 of) the users who chose it."},
         "scores": {"type": "object", "description": "Option name to its score (for score, dot_vote and ranked_choice polls)."},
         "results_hidden": {"type": "boolean"},
         "voters_count": {"type": ["integer", "null"]},
         "decided_voters_count": {"type": ["integer", "null"]},
         "undecided_voters_count": {"type": ["integer", "null"]},
         "cast_stances_pct": {"type": ["number", "null"]},
         "closed_at": {"type": ["string", "null"]},
         "closing_at": {"type": ["string", "null"]}
       }}
      """);

  private static final JsonNode DISCUSSION_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 1, "maxLength": 250, "description": "The thread's title."},
         "description": {"type": "string", "maxLength": 100000, "description": "The thread's opening text."},
         "description_format": {"type": "string", "enum": ["md", "html"], "default": "md"},
         "group_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "The group; the config's group_id when absent."},
         "subgroup": {"type": ["integer", "string"], "minimum": 1, "maximum": 9007199254740991, "pattern": "^[1-9][0-9]{0,15}$",
                      "description": "The gateway's name for group_id: the group's id (Loomio's API addresses groups by id); give one of the two."},
      """
              + RECIPIENT_PROPERTIES
              + """
       },
       "required": ["title"],
       "not": {"required": ["group_id", "subgroup"]},
       "additionalProperties": false}
      """);

  private static final JsonNode DISCUSSION_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"id": {"type": "integer"}, "key": {"type": "string"}, "url": {"type": "string"}}}
      """);

  private static final JsonNode MEMBERS_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"group_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "The group; the config's group_id when absent."},
         "subgroup": {"type": ["integer", "string"], "minimum": 1, "maximum": 9007199254740991, "pattern": "^[1-9][0-9]{0,15}$",
                      "description": "The gateway's name for group_id: the group's id (Loomio's API addresses groups by id); give one of the two."}},
       "not": {"required": ["group_id", "subgroup"]},
       "additionalProperties": false}
      """);

  private static final JsonNode MEMBERS_OUTPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"members": {"type": "array", "items": {"type": "object",
         "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}, "username": {"type": ["string", "null"]}, "admin": {"type": "boolean"}}}}}}
      """);

  private static final int MEMBERS_PAGE = 100;
  private static final int MEMBERS_MAX_PAGES = 100;

  private final LoomioPoll poll = new LoomioPoll();
  private final WebhookHandler webhooks = new LoomioWebhooks();

  @Override
  public String name() {
    return "loomio";
  }

  @Override
  public String description() {
    return "Loomio: polls as governance processes, discussions, and the members of a group.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "create-discussion",
            "Start a discussion thread in a Loomio group.",
            DISCUSSION_INPUT,
            DISCUSSION_OUTPUT,
            this::createDiscussion),
        new ActionSpec(
            "list-members",
            "The members of a Loomio group.",
            MEMBERS_INPUT,
            MEMBERS_OUTPUT,
            this::listMembers));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "poll",
            "A Loomio poll (proposal, poll, count, score, ranked choice, meeting or dot vote) that closes at closing_at."
                + " Loomio cannot close a poll early, so DELETE is refused.",
            POLL_INPUT,
            POLL_OUTCOME,
            false,
            ProcessSpec.Reconciliation.PERIODIC,
            poll));
  }

  @Override
  public List<String> eventTypes() {
    return List.of("new_discussion", "new_comment");
  }

  @Override
  public WebhookHandler webhookHandler() {
    return webhooks;
  }

  private JsonNode createDiscussion(PluginContext context, JsonNode parameters) {
    LoomioApi api = new LoomioApi(context);
    ObjectNode discussion = Json.object();
    discussion.put("title", parameters.path("title").asString());
    if (parameters.has("description")) {
      discussion.put("description", parameters.get("description").asString());
      discussion.put("description_format", parameters.path("description_format").asString("md"));
    }
    Long groupId = groupId(context, parameters);
    if (groupId != null) {
      discussion.put("group_id", groupId);
    }
    ObjectNode body = Json.object();
    body.set("discussion", discussion);
    for (String field :
        List.of(
            "recipient_audience", "recipient_user_ids", "recipient_emails", "recipient_message")) {
      if (parameters.has(field)) {
        body.set(field, parameters.get(field).deepCopy());
      }
    }
    JsonNode answer = api.post("/api/b2/discussions", body, "create the discussion");
    JsonNode created = answer == null ? null : answer.path("discussions").path(0);
    if (created == null || !created.path("key").isString()) {
      throw new PlatformException(
          PlatformException.Kind.FAILED,
          LoomioApi.PLATFORM,
          200,
          "Loomio's answer to the request to create the discussion has no discussions[0].key.");
    }
    ObjectNode result = Json.object();
    result.set("id", created.path("id").deepCopy());
    result.put("key", created.path("key").asString());
    result.put("url", api.serverUrl() + "/d/" + created.path("key").asString());
    return result;
  }

  private JsonNode listMembers(PluginContext context, JsonNode parameters) {
    LoomioApi api = new LoomioApi(context);
    Long groupId = groupId(context, parameters);
    if (groupId == null) {
      throw InvalidInputException.of(
          "parameters.group_id", "is required when the plugin config has no group_id");
    }
    Map<Long, JsonNode> users = new LinkedHashMap<>();
    List<JsonNode> memberships = new java.util.ArrayList<>();
    Set<Long> seen = new HashSet<>();
    for (int page = 0; page < MEMBERS_MAX_PAGES; page++) {
      Map<String, Object> query = new LinkedHashMap<>();
      query.put("group_id", groupId);
      query.put("limit", MEMBERS_PAGE);
      query.put("offset", page * MEMBERS_PAGE);
      JsonNode answer =
          api.get("/api/b2/memberships", query, "list the members of group " + groupId);
      if (answer == null) {
        break;
      }
      answer.path("users").forEach(u -> users.put(u.path("id").asLong(), u));
      int added = 0;
      int count = 0;
      for (JsonNode membership : answer.path("memberships")) {
        count++;
        if (seen.add(membership.path("id").asLong())) {
          memberships.add(membership);
          added++;
        }
      }
      // Stop on a short page, or when the server ignores offset and repeats itself.
      long total = answer.path("meta").path("total").asLong(-1);
      if (count < MEMBERS_PAGE || added == 0 || (total >= 0 && seen.size() >= total)) {
        break;
      }
    }
    ArrayNode members = Json.MAPPER.createArrayNode();
    for (JsonNode membership : memberships) {
      long userId = membership.path("user_id").asLong();
      JsonNode user = users.get(userId);
      ObjectNode member = members.addObject();
      member.put("id", userId);
      member.put("name", user == null ? null : user.path("name").asString(null));
      member.put("username", user == null ? null : user.path("username").asString(null));
      member.put("admin", membership.path("admin").asBoolean(false));
    }
    ObjectNode result = Json.object();
    result.set("members", members);
    return result;
  }

  /**
   * The group named by {@code group_id} or the gateway's {@code subgroup} (a number, or its
   * digits), else the config's.
   */
  static Long groupId(PluginContext context, JsonNode parameters) {
    if (parameters.path("group_id").isNumber()) {
      return parameters.get("group_id").asLong();
    }
    JsonNode subgroup = parameters.path("subgroup");
    if (subgroup.isNumber() || subgroup.isString()) {
      return Long.parseLong(subgroup.asString());
    }
    JsonNode configured = context.config().path("group_id");
    return configured.isNumber() ? configured.asLong() : null;
  }

  /**
   * Loomio's webhooks carry no signature, so {@link #verify} accepts every request that reached it:
   * the receiver has already matched the unguessable {@code webhook_slug} in the URL, and the
   * payload is only used to decide which poll to re-read.
   */
  static final class LoomioWebhooks implements WebhookHandler {

    /**
     * A link to a poll, {@code https://host/p/<key>} optionally followed by {@code /slug} or a
     * query.
     */
    private static final Pattern POLL_LINK =
        Pattern.compile("https?://[^\\s/()\\[\\]<>]+/p/([A-Za-z0-9_-]+)");

    /**
     * A link to a discussion thread, {@code https://host/d/<key>}, optionally to one of its
     * comments.
     */
    private static final Pattern DISCUSSION_LINK =
        Pattern.compile("(https?://[^\\s/()\\[\\]<>]+/d/([A-Za-z0-9_-]+)[^\\s()\\[\\]<>]*)");

    @Override
    public void verify(WebhookRequest request) {
      // Nothing to check: Loomio cannot sign; the webhook_slug in the URL is the proof (see class
      // Javadoc).
    }

    @Override
    public boolean verifiesSender() {
      return false;
    }

    @Override
    public ParsedWebhook parse(WebhookRequest request) {
      JsonNode payload;
      try {
        payload = Json.parse(new String(request.body(), StandardCharsets.UTF_8));
      } catch (JacksonException e) {
        throw InvalidInputException.of(
            "body",
            "is not JSON; configure the Loomio webhook with the markdown, slack or discord format");
      }
      JsonNode text = payload == null ? null : payload.get("text");
      if (text == null || !text.isString()) {
        text = payload == null ? null : payload.get("content");
      }
      if (text == null || !text.isString()) {
        throw InvalidInputException.of(
            "body.text", "is missing; this is not a Loomio webhook message");
      }
      Matcher link = POLL_LINK.matcher(text.asString());
      if (link.find()) {
        return new ParsedWebhook(null, List.of("poll:" + link.group(1)), List.of());
      }
      return new ParsedWebhook(null, List.of(), discussionEvent(text.asString()));
    }

    /**
     * A message about a thread rather than a poll becomes an event for the Driver. Loomio's message
     * names no event kind, so a link to a comment (or a message that says someone commented) is a
     * {@code new_comment} and any other thread message a {@code new_discussion}.
     */
    private static List<PlatformEvent> discussionEvent(String text) {
      Matcher link = DISCUSSION_LINK.matcher(text);
      if (!link.find()) {
        return List.of();
      }
      String url = link.group(1);
      boolean comment =
          url.contains("comment") || text.toLowerCase(java.util.Locale.ROOT).contains("comment");
      tools.jackson.databind.node.ObjectNode data = Json.object();
      data.put("discussion_key", link.group(2));
      data.put("url", url);
      data.put("text", text);
      return List.of(new PlatformEvent(comment ? "new_comment" : "new_discussion", data, null));
    }
  }
}

package org.metagov.activities.plugins.discourse;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Discourse: polls (the poll plugin's {@code [poll]} BBCode) as governance processes, posts, topics
 * and private messages as actions, and Discourse's signed webhooks as {@code post_created} and
 * {@code topic_created} events. There is no default server: each community has its own.
 *
 * <p>Calls carry the {@code Api-Key} and {@code Api-Username} headers. Webhooks must be signed: the
 * {@code X-Discourse-Event-Signature} header is {@code sha256=} and the hex HMAC-SHA256 of the raw
 * body under the configured {@code webhook_secret}, checked in constant time; a webhook that names
 * another instance in {@code X-Discourse-Instance} is refused too. See {@link DiscoursePoll} for
 * idempotent starts.
 */
@Component
public class DiscoursePlugin implements Plugin {

  static final String POST_CREATED = "post_created";
  static final String TOPIC_CREATED = "topic_created";
  static final String USER_FIELDS_CHANGED = "user_fields_changed";

  /**
   * Discourse's webhook event for any change to a user, of which a change of custom user fields is
   * told.
   */
  static final String USER_UPDATED = "user_updated";

  /**
   * Plugin state: the custom user fields last seen for each user id, to tell a change from any
   * other user update.
   */
  static final String USER_FIELDS_STATE = "user_fields";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "server_url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000,
                        "description": "Base URL of the Discourse forum, e.g. https://forum.example.org."},
         "api_key": {"type": "string", "minLength": 1, "maxLength": 500, "writeOnly": true,
                     "description": "A Discourse API key (Admin, API, New API key)."},
         "api_username": {"type": "string", "minLength": 1, "maxLength": 60, "default": "system",
                          "description": "The user the plugin acts as (sent as Api-Username)."},
         "webhook_secret": {"type": "string", "minLength": 1, "maxLength": 500, "writeOnly": true,
                            "description": "The secret set on the Discourse webhook; webhooks are refused until it is set."}
       },
       "required": ["server_url", "api_key"],
       "additionalProperties": false}
      """);

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  private static final JsonNode POLL_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 15, "maxLength": 255, "pattern": "^[^\\\\r\\\\n]*$",
                   "description": "The topic's title (Discourse requires at least 15 characters and unique titles); for a reply, the poll's title."},
         "options": {"type": "array", "minItems": 1, "maxItems": 100, "uniqueItems": true,
                     "items": {"type": "string", "minLength": 1, "maxLength": 500, "pattern": "^[^\\\\r\\\\n]*$"},
                     "description": "The options, one line each."},
         "closing_at": {"type": "string", "pattern": "%s",
                        "description": "When the poll closes: an ISO-8601 date (start of that day, UTC) or date-time. Without it the poll runs until closed."},
         "details": {"type": "string", "maxLength": 30000, "description": "Text of the post before the poll (Markdown)."},
         "poll_type": {"type": "string", "enum": ["regular", "multiple", "number"], "default": "regular"},
         "results": {"type": "string", "enum": ["always", "on_vote", "on_close", "staff_only"], "default": "always",
                     "description": "When voters see the results."},
         "public": {"type": "boolean", "default": true, "description": "Whether everyone can see who voted for what."},
         "min": {"type": "integer", "minimum": 0, "maximum": 1000000, "description": "For multiple and number polls."},
         "max": {"type": "integer", "minimum": 0, "maximum": 1000000, "description": "For multiple and number polls."},
         "chart_type": {"type": "string", "enum": ["bar", "pie"]},
         "category": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "Category id of the new topic."},
         "topic_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "Post the poll as a reply in this topic instead of a new topic."}
       },
       "required": ["title", "options"],
       "additionalProperties": false}
      """
              .formatted(INSTANT_PATTERN));

  private static final JsonNode POLL_OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "poll_url": {"type": "string"},
         "votes": {"type": "object", "additionalProperties": {"type": ["integer", "null"]}, "description": "Option text to votes; null while Discourse hides the results."},
         "results_hidden": {"type": "boolean"},
         "voters": {"type": "integer"},
         "status": {"type": "string", "enum": ["open", "closed"]}
       }}
      """);

  private static final JsonNode CREATE_POST_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "raw": {"type": "string", "minLength": 1, "maxLength": 32000, "description": "The post's text (Markdown)."},
         "topic_id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991, "description": "The topic to reply in."}
       },
       "required": ["raw", "topic_id"],
       "additionalProperties": false}
      """);

  private static final JsonNode CREATE_TOPIC_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 15, "maxLength": 255, "description": "At least 15 characters, unique on the forum."},
         "raw": {"type": "string", "minLength": 1, "maxLength": 32000, "description": "The first post's text (Markdown)."},
         "category": {"type": "integer", "minimum": 1, "maximum": 9007199254740991}
       },
       "required": ["title", "raw"],
       "additionalProperties": false}
      """);

  private static final JsonNode CREATE_MESSAGE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 2, "maxLength": 255},
         "raw": {"type": "string", "minLength": 1, "maxLength": 32000},
         "target_recipients": {"type": "array", "minItems": 1, "maxItems": 100,
                               "items": {"type": "string", "minLength": 1, "maxLength": 320, "pattern": "^[^,\\\\s]+$"},
                               "description": "Usernames (or group names, or emails) to send the message to."},
         "target_usernames": {"type": "array", "minItems": 1, "maxItems": 100,
                              "items": {"type": "string", "minLength": 1, "maxLength": 320, "pattern": "^[^,\\\\s]+$"},
                              "description": "The gateway's name for target_recipients; give one of the two."}
       },
       "required": ["title", "raw"],
       "oneOf": [{"required": ["target_recipients"]}, {"required": ["target_usernames"]}],
       "additionalProperties": false}
      """);

  private static final JsonNode POST_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"id": {"type": "integer"}, "post_id": {"type": "integer", "description": "The gateway's name for id."},
       "topic_id": {"type": "integer"}, "post_number": {"type": "integer"}, "url": {"type": "string"}}}
      """);

  private static final JsonNode POST_OR_TOPIC_ID_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991}},
       "required": ["id"],
       "additionalProperties": false}
      """);

  private static final JsonNode LOCK_POST_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"id": {"type": "integer", "minimum": 1, "maximum": 9007199254740991},
                      "locked": {"type": "boolean", "description": "true locks the post against edits by its author, false unlocks it."}},
       "required": ["id", "locked"],
       "additionalProperties": false}
      """);

  private static final JsonNode EMPTY_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "additionalProperties": false}
      """);

  private static final JsonNode LOCK_POST_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"locked": {"type": "boolean"}}}
      """);

  private final DiscoursePoll poll = new DiscoursePoll();
  private final WebhookHandler webhooks = new DiscourseWebhooks();

  @Override
  public String name() {
    return "discourse";
  }

  @Override
  public String description() {
    return "Discourse: polls as governance processes; posts, topics and private messages; post and topic events.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "create-post", "Reply in a topic.", CREATE_POST_INPUT, POST_OUTPUT, this::createPost),
        new ActionSpec(
            "create-topic", "Start a topic.", CREATE_TOPIC_INPUT, POST_OUTPUT, this::createTopic),
        new ActionSpec(
            "create-message",
            "Send a private message.",
            CREATE_MESSAGE_INPUT,
            POST_OUTPUT,
            this::createMessage),
        new ActionSpec(
            "delete-post",
            "Delete a post (DELETE /posts/{id}).",
            POST_OR_TOPIC_ID_INPUT,
            EMPTY_OUTPUT,
            (context, parameters) ->
                done(
                    context,
                    "DELETE",
                    "/posts/" + id(parameters) + ".json",
                    null,
                    "delete post " + id(parameters))),
        new ActionSpec(
            "delete-topic",
            "Delete a topic (DELETE /t/{id}).",
            POST_OR_TOPIC_ID_INPUT,
            EMPTY_OUTPUT,
            (context, parameters) ->
                done(
                    context,
                    "DELETE",
                    "/t/" + id(parameters) + ".json",
                    null,
                    "delete topic " + id(parameters))),
        new ActionSpec(
            "recover-post",
            "Recover a deleted post (PUT /posts/{id}/recover).",
            POST_OR_TOPIC_ID_INPUT,
            EMPTY_OUTPUT,
            (context, parameters) ->
                done(
                    context,
                    "PUT",
                    "/posts/" + id(parameters) + "/recover.json",
                    null,
                    "recover post " + id(parameters))),
        new ActionSpec(
            "recover-topic",
            "Recover a deleted topic (PUT /t/{id}/recover).",
            POST_OR_TOPIC_ID_INPUT,
            EMPTY_OUTPUT,
            (context, parameters) ->
                done(
                    context,
                    "PUT",
                    "/t/" + id(parameters) + "/recover.json",
                    null,
                    "recover topic " + id(parameters))),
        new ActionSpec(
            "lock-post",
            "Lock a post against edits by its author, or unlock it (PUT /posts/{id}/locked).",
            LOCK_POST_INPUT,
            LOCK_POST_OUTPUT,
            this::lockPost));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "poll",
            "A poll in a new topic (or a reply). It closes at closing_at if given, when closed early by DELETE, or when closed on Discourse.",
            POLL_INPUT,
            POLL_OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            poll));
  }

  @Override
  public List<String> eventTypes() {
    return List.of(POST_CREATED, TOPIC_CREATED, USER_FIELDS_CHANGED);
  }

  @Override
  public WebhookHandler webhookHandler() {
    return webhooks;
  }

  private JsonNode createPost(PluginContext context, JsonNode parameters) {
    ObjectNode body = Json.object();
    body.put("raw", parameters.path("raw").asString());
    body.put("topic_id", parameters.path("topic_id").asLong());
    return created(new DiscourseApi(context), body, "create the post");
  }

  private JsonNode createTopic(PluginContext context, JsonNode parameters) {
    ObjectNode body = Json.object();
    body.put("title", parameters.path("title").asString());
    body.put("raw", parameters.path("raw").asString());
    if (parameters.path("category").isNumber()) {
      body.put("category", parameters.get("category").asLong());
    }
    return created(new DiscourseApi(context), body, "create the topic");
  }

  private static long id(JsonNode parameters) {
    return parameters.path("id").asLong();
  }

  /**
   * Runs a call whose answer carries nothing the Driver needs (Discourse answers these with an
   * empty body).
   */
  private static JsonNode done(
      PluginContext context, String method, String path, JsonNode body, String what) {
    DiscourseApi api = new DiscourseApi(context);
    if ("DELETE".equals(method)) {
      api.delete(path, what);
    } else {
      api.put(path, body, what);
    }
    return Json.object();
  }

  private JsonNode lockPost(PluginContext context, JsonNode parameters) {
    long id = id(parameters);
    boolean locked = parameters.path("locked").asBoolean();
    // Discourse compares the parameter with the text "true": a JSON boolean would always unlock.
    ObjectNode body = Json.object().put("locked", Boolean.toString(locked));
    JsonNode answer =
        new DiscourseApi(context)
            .put(
                "/posts/" + id + "/locked.json",
                body,
                (locked ? "lock" : "unlock") + " post " + id);
    return Json.object()
        .put(
            "locked",
            answer != null && answer.path("locked").isBoolean()
                ? answer.get("locked").asBoolean()
                : locked);
  }

  private JsonNode createMessage(PluginContext context, JsonNode parameters) {
    List<String> recipients = new ArrayList<>();
    parameters.path("target_recipients").forEach(r -> recipients.add(r.asString().strip()));
    parameters.path("target_usernames").forEach(r -> recipients.add(r.asString().strip()));
    ObjectNode body = Json.object();
    body.put("title", parameters.path("title").asString());
    body.put("raw", parameters.path("raw").asString());
    body.put("archetype", "private_message");
    body.put("target_recipients", String.join(",", recipients));
    return created(new DiscourseApi(context), body, "send the message");
  }

  private static JsonNode created(DiscourseApi api, ObjectNode body, String what) {
    JsonNode post = api.post("/posts.json", body, what);
    DiscoursePoll.requireCreated(post);
    ObjectNode result = Json.object();
    result.put("id", post.path("id").asLong());
    result.put("post_id", post.path("id").asLong());
    result.put("topic_id", post.path("topic_id").asLong());
    result.put("post_number", post.path("post_number").asLong(1));
    result.put(
        "url",
        api.serverUrl()
            + "/t/"
            + post.path("topic_slug").asString("topic")
            + "/"
            + post.path("topic_id").asLong()
            + "/"
            + post.path("post_number").asLong(1));
    return result;
  }

  /** Discourse's signed webhooks. */
  static final class DiscourseWebhooks implements WebhookHandler {

    private static final java.util.regex.Pattern DELIVERY_ID =
        java.util.regex.Pattern.compile("[0-9]{1,19}");
    private static final java.util.regex.Pattern EVENT_NAME =
        java.util.regex.Pattern.compile("[A-Za-z0-9_]{1,64}");

    @Override
    public void verify(WebhookRequest request) {
      Map<String, String> headers = request.headers();
      byte[] body = request.body();
      String secret = request.configText("webhook_secret");
      if (secret == null || secret.isEmpty()) {
        throw new WebhookRejectedException(
            "The discourse plugin of this community has no webhook_secret; set it to the"
                + " secret of the Discourse webhook before sending webhooks.");
      }
      String signature = headers.get("x-discourse-event-signature");
      if (signature == null || signature.isBlank()) {
        throw new WebhookRejectedException(
            "The webhook has no X-Discourse-Event-Signature header.");
      }
      if (!WebhookSignatures.matches(
          "sha256=" + WebhookSignatures.hmacSha256Hex(secret, body), signature)) {
        throw new WebhookRejectedException(
            "The webhook's X-Discourse-Event-Signature does not match its body under the"
                + " configured webhook_secret.");
      }
      String instance = headers.get("x-discourse-instance");
      String server = request.configText("server_url");
      if (instance != null
          && server != null
          && !trimSlash(instance).equalsIgnoreCase(trimSlash(server))) {
        throw new WebhookRejectedException(
            "The webhook comes from the Discourse instance "
                + instance
                + ", not the configured server_url.");
      }
    }

    private static String trimSlash(String url) {
      String trimmed = url.trim();
      while (trimmed.endsWith("/")) {
        trimmed = trimmed.substring(0, trimmed.length() - 1);
      }
      return trimmed;
    }

    @Override
    public ParsedWebhook parse(WebhookRequest request) {
      Map<String, String> headers = request.headers();
      String text = new String(request.body(), StandardCharsets.UTF_8);
      if (text.startsWith("payload=")) {
        // A webhook configured with the form content type sends the JSON as the "payload" field.
        text = URLDecoder.decode(text.substring("payload=".length()), StandardCharsets.UTF_8);
      }
      JsonNode payload;
      try {
        payload = Json.parse(text);
      } catch (JacksonException e) {
        throw InvalidInputException.of("body", "is not JSON");
      }
      if (payload == null || !payload.isObject()) {
        throw InvalidInputException.of("body", "is not a JSON object");
      }
      String deliveryId = headers.get("x-discourse-event-id");
      if (deliveryId != null && !DELIVERY_ID.matcher(deliveryId).matches()) {
        // Only a hint (the signature does not cover it), but Discourse sends a number: refuse
        // anything else.
        throw InvalidInputException.of(
            "X-Discourse-Event-Id", "must be a number of at most 19 digits");
      }
      String eventType = headers.get("x-discourse-event");
      if (eventType != null && !EVENT_NAME.matcher(eventType).matches()) {
        throw InvalidInputException.of(
            "X-Discourse-Event", "must be an event name of at most 64 letters, digits and _");
      }
      List<String> keys = new ArrayList<>();
      List<PlatformEvent> events = new ArrayList<>();
      JsonNode post = payload.get("post");
      JsonNode topic = payload.get("topic");
      if (post != null && post.isObject()) {
        if (post.path("id").isNumber()) {
          keys.add("post:" + post.get("id").asLong());
        }
        if (post.path("topic_id").isNumber()) {
          keys.add("topic:" + post.get("topic_id").asLong());
        }
        if (POST_CREATED.equals(eventType)) {
          events.add(new PlatformEvent(POST_CREATED, post, post.path("username").asString(null)));
        }
      } else if (topic != null && topic.isObject()) {
        if (topic.path("id").isNumber()) {
          keys.add("topic:" + topic.get("id").asLong());
        }
        if (TOPIC_CREATED.equals(eventType)) {
          events.add(
              new PlatformEvent(
                  TOPIC_CREATED, topic, topic.path("created_by").path("username").asString(null)));
        }
      } else if (USER_UPDATED.equals(eventType) && payload.path("user").path("id").isNumber()) {
        // Whether the custom fields changed is decided in enrich, in order, against the fields last
        // seen.
        JsonNode user = payload.get("user");
        ObjectNode data = Json.object();
        data.put("id", user.get("id").asLong());
        data.put("username", user.path("username").asString(null));
        data.set(
            "user_fields",
            user.path("user_fields").isObject() ? user.get("user_fields") : Json.object());
        events.add(
            new PlatformEvent(USER_FIELDS_CHANGED, data, user.path("username").asString(null)));
      }
      return new ParsedWebhook(eventType, List.copyOf(keys), List.copyOf(events));
    }

    /**
     * A user update is told to the Driver as {@code user_fields_changed} only when the user's
     * custom fields differ from those last seen (or were never seen), with the previous ones as
     * {@code old_user_fields}, as the gateway did. Events of a community are enriched one at a time
     * in the order they arrived, so each compares with the one before it.
     */
    @Override
    public PlatformEvent enrich(PluginContext context, PlatformEvent event) {
      if (!USER_FIELDS_CHANGED.equals(event.eventType()) || event.data().has("old_user_fields")) {
        return event;
      }
      String userId = event.data().path("id").asString();
      JsonNode seen = context.state().get(USER_FIELDS_STATE);
      ObjectNode all = seen instanceof ObjectNode object ? object.deepCopy() : Json.object();
      JsonNode previous = all.get(userId);
      JsonNode current = event.data().path("user_fields");
      if (current.equals(previous)) {
        return null;
      }
      all.set(userId, current);
      context.state().set(USER_FIELDS_STATE, all);
      ObjectNode data = ((ObjectNode) event.data()).deepCopy();
      data.set("old_user_fields", previous == null ? Json.MAPPER.nullNode() : previous);
      return new PlatformEvent(
          event.eventType(), data, event.initiatorUserId(), event.initiatorIsMetagovBot());
    }
  }
}

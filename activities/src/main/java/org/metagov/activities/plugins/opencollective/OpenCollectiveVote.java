package org.metagov.activities.plugins.opencollective;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugin.Schemas;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A yes/no vote as a conversation on the collective: people react with 👍 (yes) or 👎 (no) to its
 * first comment (the conversation's {@code body}), whose {@code reactions} field is a map of emoji
 * to count. Open Collective's reaction emoji are {@code 👍️} (with U+FE0F), {@code 👎}, {@code 😀},
 * {@code 🎉}, {@code 😕}, {@code ❤️}, {@code 🚀}, {@code 👀} ({@code
 * server/constants/reaction-emoji.ts}); variation selectors are ignored when counting. Reactions
 * create no activity, so no webhook reports a vote: counts come from the workflow's periodic
 * reconciliation reads.
 *
 * <p><b>Start is idempotent through a tag, not a hidden marker.</b> Open Collective sanitizes
 * comment HTML with an allow-list ({@code server/lib/sanitize-html.ts}, sanitize-html), which drops
 * HTML comments, so a {@code <!-- metagov-process -->} marker would not survive. Instead the
 * conversation carries the tag {@code metagov-process-<16 hex digits of SHA-256("community:id")>}
 * (tags are at most 32 characters and lower-cased), and {@code start} first asks for the
 * collective's conversations with that tag ({@code conversations(tag:)}) and adopts one it finds.
 * The tag is visible on the conversation.
 *
 * <p><b>Close</b> posts the result as a comment and then prefixes the title with {@code [CLOSED] }
 * ({@code editConversation}). A conversation whose title already has the prefix is closed: nothing
 * is posted again. A close retried between the two steps finds its own result comment among the
 * conversation's newest comments and does not post it twice. Open Collective has no way to stop
 * reactions, so the outcome is the count at the time of closing. A title renamed to start with
 * {@code [CLOSED] } on Open Collective also ends the vote.
 */
final class OpenCollectiveVote implements ProcessAdapter {

  static final String YES = "yes";
  static final String NO = "no";
  static final String THUMBS_UP = "\uD83D\uDC4D";
  static final String THUMBS_DOWN = "\uD83D\uDC4E";
  static final String CLOSED_PREFIX = "[CLOSED] ";
  static final String VOTE_TAG = "metagov-vote";
  static final String PROCESS_TAG_PREFIX = "metagov-process-";
  static final String RESULT_TEXT = "Voting is closed. Final count:";
  private static final int MAX_TITLE = 255;
  private static final int RECENT_COMMENTS = 30;

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  static final JsonNode INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 3, "maxLength": 246, "pattern": "^[^\\\\r\\\\n]*$",
                   "description": "The conversation's title (Open Collective allows 3 to 255 characters; closing adds [CLOSED] )."},
         "details": {"type": "string", "maxLength": 100000, "description": "The conversation's first comment, in HTML; a line asking people to vote with 👍 or 👎 is added."},
         "closing_at": {"type": "string", "pattern": "%s",
                        "description": "When the vote closes: an ISO-8601 date (start of that day, UTC) or date-time (UTC if it has no offset). Must be in the future. Without it the vote runs until closed by DELETE."}
       },
       "required": ["title"],
       "additionalProperties": false}
      """
              .formatted(INSTANT_PATTERN));

  static final JsonNode OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "poll_url": {"type": "string"},
         "votes": {"type": "object", "properties": {"yes": {"type": "integer"}, "no": {"type": "integer"}},
                   "description": "yes: 👍 reactions on the conversation's first comment; no: 👎 reactions."},
         "reactions": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Every reaction emoji on the first comment and its count."},
         "comments_count": {"type": ["integer", "null"]},
         "title": {"type": "string"},
         "closed": {"type": "boolean"}
       }}
      """);

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    return ClosingTimes.optional(parameters, now);
  }

  /**
   * The tag that marks the conversation of one process: at most 32 characters, already lower-case.
   */
  static String processTag(String community, long id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((community + ":" + id).getBytes(StandardCharsets.UTF_8));
      return PROCESS_TAG_PREFIX + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  // --- start
  // ---------------------------------------------------------------------------------------

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    String tag = processTag(process.community(), process.id());
    JsonNode existing = findByTag(api, tag);
    if (existing != null) {
      return snapshot(api, existing, isClosed(existing));
    }
    JsonNode parameters = process.parameters();
    String title = parameters.path("title").asString().strip();
    JsonNode conversation =
        OpenCollectivePlugin.createConversation(
            api, title, body(parameters.path("details").asString("")), List.of(VOTE_TAG, tag));
    return snapshot(api, conversation, false);
  }

  private static String body(String details) {
    String instructions =
        "<p>Vote by reacting to this post: "
            + THUMBS_UP
            + " for yes, "
            + THUMBS_DOWN
            + " for no.</p>";
    return details.isBlank() ? instructions : details + "\n" + instructions;
  }

  /** The newest conversation of the collective with this process's tag, or null. */
  private static JsonNode findByTag(OpenCollectiveApi api, String tag) {
    ObjectNode variables = Json.object();
    variables.put("slug", api.collectiveSlug());
    variables.put("tag", tag);
    JsonNode account =
        api.call(
                OpenCollectiveQueries.CONVERSATIONS_BY_TAG,
                OpenCollectiveQueries.CONVERSATIONS_BY_TAG_QUERY,
                variables,
                "look for the vote's conversation")
            .path("account");
    if (!account.isObject()) {
      throw OpenCollectivePlugin.collectiveGone(api);
    }
    for (JsonNode conversation : account.path("conversations").path("nodes")) {
      for (JsonNode t : conversation.path("tags")) {
        if (tag.equals(t.asString(null)) && conversation.path("id").isString()) {
          return conversation;
        }
      }
    }
    return null;
  }

  // --- refresh and close
  // ---------------------------------------------------------------------------

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    JsonNode conversation = read(api, conversationId(process));
    return snapshot(api, conversation, isClosed(conversation));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    String id = conversationId(process);
    JsonNode conversation = read(api, id);
    if (isClosed(conversation)) {
      return snapshot(api, conversation, true);
    }
    ObjectNode outcome = outcome(api, conversation, true);
    if (!hasResultComment(api, id, conversation)) {
      ObjectNode comment = Json.object();
      comment.put("html", resultHtml(outcome.path("votes")));
      ObjectNode reference = Json.object();
      reference.put("id", id);
      comment.set("conversation", reference);
      OpenCollectivePlugin.createComment(api, comment, "post the vote's result");
    }
    ObjectNode variables = Json.object();
    variables.put("id", id);
    variables.put("title", closedTitle(conversation.path("title").asString("")));
    ArrayNode tags = variables.putArray("tags");
    conversation.path("tags").forEach(tag -> tags.add(tag.asString()));
    JsonNode edited =
        api.call(
                OpenCollectiveQueries.EDIT_CONVERSATION,
                OpenCollectiveQueries.EDIT_CONVERSATION_MUTATION,
                variables,
                "mark the vote's conversation as closed")
            .path("editConversation");
    JsonNode closed = edited.path("id").isString() ? edited : conversation;
    // The counts are the ones the result comment announced.
    ProcessSnapshot snapshot = snapshot(api, closed, true);
    ObjectNode finalOutcome = (ObjectNode) snapshot.outcome();
    finalOutcome.set("votes", outcome.get("votes").deepCopy());
    finalOutcome.set("reactions", outcome.get("reactions").deepCopy());
    return snapshot;
  }

  static String closedTitle(String title) {
    String closed = CLOSED_PREFIX + title;
    return closed.length() > MAX_TITLE ? closed.substring(0, MAX_TITLE) : closed;
  }

  static String resultHtml(JsonNode votes) {
    long yes = votes.path(YES).asLong(0);
    long no = votes.path(NO).asLong(0);
    return "<p>"
        + RESULT_TEXT
        + " "
        + yes
        + " for ("
        + THUMBS_UP
        + "), "
        + no
        + " against ("
        + THUMBS_DOWN
        + ").</p>";
  }

  /** Whether one of the conversation's newest comments is this plugin's result comment. */
  private static boolean hasResultComment(OpenCollectiveApi api, String id, JsonNode conversation) {
    int count = conversation.path("stats").path("commentsCount").asInt(0);
    ObjectNode variables = Json.object();
    variables.put("id", id);
    variables.put("limit", RECENT_COMMENTS);
    variables.put("offset", Math.max(0, count - RECENT_COMMENTS));
    JsonNode comments =
        api.call(
                OpenCollectiveQueries.CONVERSATION_COMMENTS,
                OpenCollectiveQueries.CONVERSATION_COMMENTS_QUERY,
                variables,
                "read the vote's newest comments")
            .path("conversation")
            .path("comments")
            .path("nodes");
    for (JsonNode comment : comments) {
      if (comment.path("html").asString("").contains(RESULT_TEXT)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isClosed(JsonNode conversation) {
    return conversation.path("title").asString("").startsWith(CLOSED_PREFIX);
  }

  private static String conversationId(ProcessInstance process) {
    String id =
        process.platformState() == null
            ? null
            : process.platformState().path("conversation_id").asString(null);
    if (id == null || id.isBlank()) {
      throw new PlatformException(
          Kind.REJECTED,
          OpenCollectiveApi.PLATFORM,
          0,
          "This process has no Open Collective conversation recorded; it was never started on Open Collective.");
    }
    return id;
  }

  private static JsonNode read(OpenCollectiveApi api, String id) {
    ObjectNode variables = Json.object();
    variables.put("id", id);
    JsonNode conversation =
        api.call(
                OpenCollectiveQueries.CONVERSATION,
                OpenCollectiveQueries.CONVERSATION_QUERY,
                variables,
                "read the vote's conversation " + id)
            .path("conversation");
    if (!conversation.isObject() || !conversation.path("id").isString()) {
      throw new PlatformException(
          Kind.REJECTED,
          OpenCollectiveApi.PLATFORM,
          200,
          "The Open Collective conversation "
              + id
              + " no longer exists: it was deleted, or the access_token cannot see it.");
    }
    return conversation;
  }

  // --- snapshots
  // -----------------------------------------------------------------------------------

  private static ProcessSnapshot snapshot(
      OpenCollectiveApi api, JsonNode conversation, boolean closed) {
    String id = conversation.path("id").asString();
    ObjectNode state = Json.object();
    state.put("conversation_id", id);
    state.put("conversation_slug", conversation.path("slug").asString(null));
    String publicId = conversation.path("publicId").asString(null);
    if (publicId != null) {
      state.put("conversation_public_id", publicId);
    }
    List<String> keys = new ArrayList<>();
    keys.add("conversation:" + id);
    if (publicId != null && !publicId.equals(id)) {
      keys.add("conversation:" + publicId);
    }
    return new ProcessSnapshot(
        state,
        outcome(api, conversation, closed),
        OpenCollectivePlugin.conversationUrl(api, conversation),
        closed,
        keys);
  }

  static ObjectNode outcome(OpenCollectiveApi api, JsonNode conversation, boolean closed) {
    ObjectNode outcome = Json.object();
    outcome.put("poll_url", OpenCollectivePlugin.conversationUrl(api, conversation));
    ObjectNode reactions = Json.object();
    long yes = 0;
    long no = 0;
    JsonNode counts = conversation.path("body").path("reactions");
    if (counts.isObject()) {
      for (Map.Entry<String, JsonNode> entry : counts.properties()) {
        long count = count(entry.getValue());
        reactions.put(entry.getKey(), count);
        String emoji = entry.getKey().replace("\uFE0F", "").strip();
        if (THUMBS_UP.equals(emoji)) {
          yes += count;
        } else if (THUMBS_DOWN.equals(emoji)) {
          no += count;
        }
      }
    }
    ObjectNode votes = Json.object();
    votes.put(YES, yes);
    votes.put(NO, no);
    outcome.set("votes", votes);
    outcome.set("reactions", reactions);
    JsonNode comments = conversation.path("stats").path("commentsCount");
    if (comments.isNumber()) {
      outcome.put("comments_count", comments.asLong());
    } else {
      outcome.putNull("comments_count");
    }
    outcome.put("title", conversation.path("title").asString(""));
    outcome.put("closed", closed);
    return outcome;
  }

  /** A count as Open Collective answers it: a number, or a numeric string (a PostgreSQL bigint). */
  private static long count(JsonNode value) {
    if (value.isNumber()) {
      return value.asLong();
    }
    try {
      return Long.parseLong(value.asString("0").strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}

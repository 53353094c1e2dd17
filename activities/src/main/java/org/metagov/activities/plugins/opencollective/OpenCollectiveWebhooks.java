package org.metagov.activities.plugins.opencollective;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Open Collective's webhooks: a POST of an activity, {@code {"id", "type", "createdAt",
 * "CollectiveId", "data"}} ({@code sanitizeActivityForWebhookPayload} in {@code
 * server/lib/webhooks.ts}).
 *
 * <p>{@link #verify} cannot check a signature (Open Collective sends none); the receiver has
 * already matched the unguessable {@code webhook_slug}. It refuses a payload whose {@code
 * CollectiveId} is not the configured collective's legacy id (Open Collective only sends a webhook
 * the activities of the account it is registered on).
 *
 * <p>{@link #parse} reads the activity without calling the platform; for an expense activity {@link
 * #enrich} later re-reads the expense from the API by the id the payload names ({@code
 * data.expense.publicId}, {@code idV2} or the legacy {@code id}): the payload is only a hint, and
 * the Driver gets the fetched expense, with its {@code url}. The initiator is the person on the
 * expense's activity recorded at the webhook's {@code createdAt}, else the expense's creator. An
 * expense the API no longer has (deleted) is reported from the hint with {@code "deleted": true}.
 * Conversation and comment activities route to the vote of that conversation when the payload names
 * one; Open Collective currently sends them with an empty {@code data}, so in practice votes are
 * refreshed by the periodic reconciliation.
 */
final class OpenCollectiveWebhooks implements WebhookHandler {

  static final String EXPENSE_PREFIX = "collective.expense.";

  /**
   * Open Collective activity type (after {@code collective.expense.}) to the event the Driver
   * receives.
   */
  static final Map<String, String> EXPENSE_EVENTS = expenseEvents();

  static final List<String> EVENT_TYPES =
      List.copyOf(new java.util.LinkedHashSet<>(EXPENSE_EVENTS.values()));

  private static Map<String, String> expenseEvents() {
    Map<String, String> events = new LinkedHashMap<>();
    events.put("created", "expense_created");
    events.put("approved", "expense_approved");
    events.put("rejected", "expense_rejected");
    events.put("paid", "expense_paid");
    events.put("updated", "expense_updated");
    events.put("deleted", "expense_deleted");
    events.put("unapproved", "expense_unapproved");
    events.put("reApprovalRequested", "expense_re_approval_requested");
    events.put("unpaid", "expense_marked_as_unpaid");
    events.put("scheduledForPayment", "expense_scheduled_for_payment");
    events.put("unscheduledForPayment", "expense_unscheduled_for_payment");
    events.put("processing", "expense_processing");
    events.put("error", "expense_error");
    events.put("spam", "expense_marked_as_spam");
    events.put("incomplete", "expense_marked_as_incomplete");
    events.put("putOnHold", "expense_put_on_hold");
    events.put("releasedFromHold", "expense_released_from_hold");
    return java.util.Collections.unmodifiableMap(events);
  }

  /** Fields of a queued expense event before {@link #enrich} replaced it with the expense. */
  private static final String HINT = "metagov_expense_hint";

  private static final String HINT_TYPE = "metagov_activity_type";
  private static final String HINT_CREATED_AT = "metagov_activity_created_at";
  private static final String HINT_COLLECTIVE = "metagov_collective_id";

  private static final List<String> CONVERSATION_TYPES =
      List.of(
          "collective.conversation.created",
          "conversation.comment.created",
          "collective.comment.created");

  @Override
  public boolean verifiesSender() {
    return false;
  }

  @Override
  public void verify(WebhookRequest request) {
    JsonNode payload = read(request.body());
    JsonNode collectiveId = payload.get("CollectiveId");
    if (collectiveId == null || collectiveId.isNull()) {
      throw new WebhookRejectedException(
          "The webhook names no CollectiveId; it is not an Open Collective activity.");
    }
    JsonNode expected = request.state().get(OpenCollectivePlugin.STATE_COLLECTIVE_LEGACY_ID);
    // A plugin enabled before onEnable stored the collective's ids has nothing to compare with
    // here; its events
    // are checked by enrich, which may call the platform.
    if (known(expected) && !idText(collectiveId).equals(idText(expected))) {
      throw new WebhookRejectedException(
          "The webhook is about Open Collective account "
              + idText(collectiveId)
              + ", not the configured collective '"
              + request.configText("collective_slug")
              + "'.");
    }
  }

  @Override
  public ParsedWebhook parse(WebhookRequest request) {
    JsonNode payload = read(request.body());
    String type = payload.path("type").asString(null);
    if (type == null || type.isBlank()) {
      throw InvalidInputException.of(
          "body.type", "is missing; this is not an Open Collective activity");
    }
    JsonNode data = payload.path("data");

    if (type.startsWith(EXPENSE_PREFIX)) {
      String eventType = EXPENSE_EVENTS.get(type.substring(EXPENSE_PREFIX.length()));
      if (eventType == null) {
        return new ParsedWebhook(type, List.of(), List.of());
      }
      JsonNode hint = data.path("expense");
      if (expenseReference(hint) == null) {
        throw InvalidInputException.of(
            "body.data.expense.id", "is missing; the webhook does not say which expense changed");
      }
      ObjectNode pending = Json.object();
      pending.set(HINT, hint.deepCopy());
      pending.put(HINT_TYPE, type);
      pending.put(HINT_CREATED_AT, payload.path("createdAt").asString(null));
      pending.set(HINT_COLLECTIVE, payload.path("CollectiveId").deepCopy());
      return new ParsedWebhook(
          type, List.of(), List.of(new PlatformEvent(eventType, pending, null)));
    }

    if (CONVERSATION_TYPES.contains(type)) {
      return new ParsedWebhook(type, conversationKeys(data), List.of());
    }
    return new ParsedWebhook(type, List.of(), List.of());
  }

  /**
   * Re-reads the expense an expense event names: the webhook is only a hint, and the Driver gets
   * the fetched expense, with its {@code url}. An expense the API no longer has (deleted) is
   * reported from the hint with {@code "deleted": true}.
   */
  @Override
  public PlatformEvent enrich(PluginContext context, PlatformEvent event) {
    JsonNode pending = event.data();
    if (pending == null || !pending.has(HINT)) {
      return event;
    }
    OpenCollectiveApi api = new OpenCollectiveApi(context);
    JsonNode expected = context.state().get(OpenCollectivePlugin.STATE_COLLECTIVE_LEGACY_ID);
    if (!known(expected)) {
      expected = OpenCollectivePlugin.lookUpCollective(api).path("legacyId");
    }
    if (!idText(pending.path(HINT_COLLECTIVE)).equals(idText(expected))) {
      return null;
    }
    JsonNode hint = pending.path(HINT);
    String type = pending.path(HINT_TYPE).asString(null);
    ObjectNode variables = Json.object();
    variables.set("expense", expenseReference(hint));
    JsonNode expense =
        api.call(
                OpenCollectiveQueries.EXPENSE,
                OpenCollectiveQueries.EXPENSE_QUERY,
                variables,
                "read the expense the webhook names")
            .path("expense");
    if (!expense.isObject()) {
      ObjectNode gone = hint.isObject() ? (ObjectNode) hint.deepCopy() : Json.object();
      gone.put("deleted", true);
      return new PlatformEvent(event.eventType(), gone, null);
    }
    ObjectNode data = (ObjectNode) expense.deepCopy();
    data.put("url", OpenCollectivePlugin.expenseUrl(api, expense));
    return new PlatformEvent(
        event.eventType(),
        data,
        initiator(expense, type, pending.path(HINT_CREATED_AT).asString(null)));
  }

  private static boolean known(JsonNode id) {
    return id != null && !id.isNull() && !id.isMissingNode();
  }

  /**
   * The expense's reference from the hint: its public id, else its GraphQL id, else its legacy
   * number.
   */
  static ObjectNode expenseReference(JsonNode hint) {
    ObjectNode reference = Json.object();
    String publicId = hint.path("publicId").asString(null);
    String idV2 = hint.path("idV2").asString(null);
    if (publicId != null && !publicId.isBlank()) {
      reference.put("id", publicId);
    } else if (idV2 != null && !idV2.isBlank()) {
      reference.put("id", idV2);
    } else if (hint.path("id").isIntegralNumber()) {
      reference.put("legacyId", hint.path("id").asInt());
    } else if (hint.path("id").isString() && !hint.path("id").asString().isBlank()) {
      return OpenCollectivePlugin.expenseReference(hint.path("id"), "body.data.expense.id");
    } else {
      return null;
    }
    return reference;
  }

  /**
   * The slug of who caused the activity: the person on the expense's activity recorded at the same
   * instant, for a creation the expense's creator.
   */
  static String initiator(JsonNode expense, String type, String createdAt) {
    String creator = expense.path("createdByAccount").path("slug").asString(null);
    if (type.equals(EXPENSE_PREFIX + "created") || createdAt == null) {
      return creator;
    }
    Instant at = instant(createdAt);
    if (at != null) {
      for (JsonNode activity : expense.path("activities")) {
        Instant when = instant(activity.path("createdAt").asString(null));
        String slug = activity.path("individual").path("slug").asString(null);
        if (at.equals(when) && slug != null) {
          return slug;
        }
      }
    }
    return creator;
  }

  private static List<String> conversationKeys(JsonNode data) {
    List<String> keys = new ArrayList<>();
    JsonNode conversation = data.path("conversation");
    for (String field : List.of("publicId", "idV2", "id")) {
      JsonNode id = conversation.path(field);
      if (id.isString()
          && !id.asString().isBlank()
          && !keys.contains("conversation:" + id.asString())) {
        keys.add("conversation:" + id.asString());
      }
    }
    return keys;
  }

  private static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(text).toInstant();
      } catch (DateTimeParseException again) {
        return null;
      }
    }
  }

  private static String idText(JsonNode id) {
    return id.isNumber() ? String.valueOf(id.asLong()) : id.asString("").strip();
  }

  private static JsonNode read(byte[] body) {
    JsonNode payload;
    try {
      payload = Json.parse(new String(body, StandardCharsets.UTF_8));
    } catch (JacksonException e) {
      throw InvalidInputException.of("body", "is not JSON; this is not an Open Collective webhook");
    }
    if (payload == null || !payload.isObject()) {
      throw InvalidInputException.of(
          "body", "is not a JSON object; this is not an Open Collective webhook");
    }
    return payload;
  }
}

package org.metagov.activities.plugins.loomio;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Loomio poll run as a governance process.
 *
 * <p><b>Start is idempotent through a marker.</b> Loomio takes no client idempotency key, so the
 * poll's {@code details} end with {@code <!-- metagov-process:{community}:{id} -->} (an HTML
 * comment, which Markdown and HTML renderers do not show). Before creating, {@code start} lists the
 * group's active polls ({@code GET /api/b2/polls?group_id=..&status=active}) and adopts a poll
 * whose details carry this process's marker, so an activity retried after a lost answer does not
 * create a second poll. Limits: Loomio versions without that listing answer 400/404 and the plugin
 * then creates without looking (a retry in that window can duplicate the poll); only the newest 100
 * active polls are searched; and if Loomio's HTML sanitizer drops comments from {@code
 * details_format: html} details, the marker is lost and the lookup finds nothing.
 *
 * <p><b>No early close.</b> Loomio's API has no call that closes a poll, so the process is not
 * closable early; Loomio closes the poll itself at {@code closing_at}. {@code close} (called by the
 * workflow at the deadline) re-reads the poll and reports it closed once {@code closed_at} is set
 * or the deadline has passed (Loomio refuses votes after {@code closing_at} even before its closing
 * job runs).
 */
final class LoomioPoll implements ProcessAdapter {

  static final String MARKER_PREFIX = "metagov-process:";
  private static final int LOOKUP_LIMIT = 100;

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    return ClosingTimes.required(parameters, now);
  }

  static String marker(String community, long id) {
    return "<!-- " + MARKER_PREFIX + community + ":" + id + " -->";
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    LoomioApi api = new LoomioApi(context);
    JsonNode parameters = process.parameters();
    Long groupId = LoomioPlugin.groupId(context, parameters);
    String marker = marker(process.community(), process.id());

    JsonNode existing = findExisting(api, groupId, marker);
    if (existing != null) {
      return snapshot(api, existing, null, existing.path("closed_at").isString());
    }

    ObjectNode poll = Json.object();
    poll.put("title", parameters.path("title").asString());
    poll.put("poll_type", parameters.path("poll_type").asString("proposal"));
    poll.set("options", parameters.path("options").deepCopy());
    poll.put("closing_at", ClosingTimes.parse(parameters.path("closing_at").asString()).toString());
    String format = parameters.path("details_format").asString("md");
    String details = parameters.path("details").asString("");
    poll.put(
        "details",
        details.isEmpty() ? marker : details + ("html".equals(format) ? "\n" : "\n\n") + marker);
    poll.put("details_format", format);
    if (groupId != null) {
      poll.put("group_id", groupId);
    }
    for (String field :
        List.of("specified_voters_only", "hide_results", "anonymous", "notify_on_closing_soon")) {
      if (parameters.has(field)) {
        poll.set(field, parameters.get(field).deepCopy());
      }
    }
    ObjectNode body = Json.object();
    body.set("poll", poll);
    // PollService.invite reads the recipients from the top level of the request, not from "poll".
    for (String field :
        List.of(
            "recipient_audience",
            "recipient_user_ids",
            "recipient_emails",
            "recipient_message",
            "notify_recipients")) {
      if (parameters.has(field)) {
        body.set(field, parameters.get(field).deepCopy());
      }
    }
    JsonNode answer = api.post("/api/b2/polls", body, "create the poll");
    JsonNode created = firstPoll(answer, "create the poll");
    return snapshot(api, created, answer, false);
  }

  /** The active poll of the group that carries this process's marker, or null. */
  private static JsonNode findExisting(LoomioApi api, Long groupId, String marker) {
    Map<String, Object> query = new LinkedHashMap<>();
    query.put("group_id", groupId);
    query.put("status", "active");
    query.put("limit", LOOKUP_LIMIT);
    JsonNode answer;
    try {
      answer = api.get("/api/b2/polls", query, "list the group's active polls");
    } catch (PlatformException e) {
      int status = e.platformStatus();
      if (e.kind() == Kind.REJECTED
          && (status == 400 || status == 404 || status == 405 || status == 422)) {
        return null; // this Loomio cannot list polls: create without looking
      }
      throw e;
    }
    if (answer == null) {
      return null;
    }
    for (JsonNode poll : answer.path("polls")) {
      boolean discarded = poll.path("discarded_at").isString();
      if (!discarded && poll.path("details").asString("").contains(marker)) {
        return poll;
      }
    }
    return null;
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    LoomioApi api = new LoomioApi(context);
    JsonNode answer = read(api, process);
    JsonNode poll = answer.path("polls").path(0);
    return snapshot(api, poll, answer, poll.path("closed_at").isString());
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    LoomioApi api = new LoomioApi(context);
    JsonNode answer = read(api, process);
    JsonNode poll = answer.path("polls").path(0);
    boolean closed = poll.path("closed_at").isString() || deadlinePassed(poll);
    return snapshot(api, poll, answer, closed);
  }

  private static boolean deadlinePassed(JsonNode poll) {
    String closingAt = poll.path("closing_at").asString(null);
    if (closingAt == null) {
      return false;
    }
    try {
      return !OffsetDateTime.parse(closingAt).toInstant().isAfter(Instant.now());
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /** The answer to {@code GET /api/b2/polls/{key}}, whose {@code polls[0]} is the poll. */
  private static JsonNode read(LoomioApi api, ProcessInstance process) {
    String key = process.platformState().path("poll_key").asString(null);
    if (key == null) {
      key = process.platformState().path("poll_id").asString(null);
    }
    if (key == null) {
      throw new PlatformException(
          Kind.REJECTED,
          LoomioApi.PLATFORM,
          0,
          "This process has no Loomio poll recorded; it was never started on Loomio.");
    }
    JsonNode answer;
    try {
      answer = api.get("/api/b2/polls/" + key, Map.of(), "read poll " + key);
    } catch (PlatformException e) {
      if (e.platformStatus() == 404) {
        throw new PlatformException(
            Kind.REJECTED,
            LoomioApi.PLATFORM,
            404,
            "The Loomio poll "
                + key
                + " no longer exists (404): it was deleted, or the api_key's user cannot see it.");
      }
      throw e;
    }
    JsonNode poll = firstPoll(answer, "read poll " + key);
    if (poll.path("discarded_at").isString()) {
      throw new PlatformException(
          Kind.REJECTED, LoomioApi.PLATFORM, 200, "The Loomio poll " + key + " was deleted.");
    }
    return answer;
  }

  private static JsonNode firstPoll(JsonNode answer, String what) {
    JsonNode poll = answer == null ? null : answer.path("polls").path(0);
    if (poll == null || !poll.isObject() || !poll.path("key").isString()) {
      throw new PlatformException(
          Kind.FAILED,
          LoomioApi.PLATFORM,
          200,
          "Loomio's answer to the request to " + what + " has no polls[0].key.");
    }
    return poll;
  }

  private static ProcessSnapshot snapshot(
      LoomioApi api, JsonNode poll, JsonNode answer, boolean closed) {
    String key = poll.path("key").asString();
    ObjectNode state = Json.object();
    state.set("poll_id", poll.path("id").deepCopy());
    state.put("poll_key", key);
    String url = api.serverUrl() + "/p/" + key;
    return new ProcessSnapshot(
        state, outcome(poll, answer, url), url, closed, List.of("poll:" + key));
  }

  /**
   * Counts per option from {@code results} (rows with id > 0; id 0 is "none of the above" and -1
   * the undecided voters). Every option appears, with 0 when nobody chose it. When Loomio hides the
   * results ({@code hide_results}, anonymous polls) the counts are null and {@code results_hidden}
   * is true.
   */
  static ObjectNode outcome(JsonNode poll, JsonNode answer, String url) {
    ObjectNode outcome = Json.object();
    outcome.put("poll_url", url);
    ObjectNode votes = Json.object();
    ObjectNode voters = Json.object();
    ObjectNode scores = Json.object();
    List<String> names = optionNames(poll, answer);
    JsonNode results = poll.get("results");
    boolean hidden = results == null || !results.isArray();
    if (hidden) {
      for (String name : names) {
        votes.putNull(name);
        voters.putNull(name);
      }
    } else {
      for (String name : names) {
        votes.put(name, 0);
        voters.set(name, Json.MAPPER.createArrayNode());
        scores.put(name, 0);
      }
      for (JsonNode row : results) {
        if (row.path("id").asLong(0) <= 0) {
          continue;
        }
        String name = row.path("name").asString();
        votes.put(name, row.path("voter_count").asLong(0));
        ArrayNode ids = Json.MAPPER.createArrayNode();
        row.path("voter_ids").forEach(id -> ids.add(id.deepCopy()));
        voters.set(name, ids);
        scores.set(
            name,
            row.path("score").isNumber()
                ? row.get("score").deepCopy()
                : Json.MAPPER.getNodeFactory().numberNode(0));
      }
    }
    outcome.set("votes", votes);
    outcome.set("voters", voters);
    if (!hidden) {
      outcome.set("scores", scores);
    }
    outcome.put("results_hidden", hidden);
    for (String field :
        List.of(
            "voters_count",
            "decided_voters_count",
            "undecided_voters_count",
            "cast_stances_pct",
            "closed_at",
            "closing_at")) {
      outcome.set(field, poll.has(field) ? poll.get(field).deepCopy() : Json.MAPPER.nullNode());
    }
    return outcome;
  }

  private static List<String> optionNames(JsonNode poll, JsonNode answer) {
    List<String> names = new java.util.ArrayList<>();
    poll.path("poll_option_names").forEach(n -> names.add(n.asString()));
    if (names.isEmpty() && answer != null) {
      answer.path("poll_options").forEach(o -> names.add(o.path("name").asString()));
    }
    return names;
  }
}

package org.metagov.activities.plugins.slack;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What Slack's votes share: the message they are cast on, posted once, who may vote, and the
 * ephemeral notice an ineligible voter gets.
 *
 * <p><b>Posting once.</b> Slack has no idempotency key, so a start that failed after Slack posted
 * (a lost answer, a crash) must find the message rather than post another. The plugin state
 * records, under the process id, that a post is under way (and since when) before posting, and the
 * message once posted; the message carries metadata naming the community and the process. A start
 * that finds a post under way but no message looks for that metadata in the channel's history since
 * then and adopts what it finds. Only a post whose answer was lost <em>and</em> that the history
 * cannot show (a channel the bot cannot read) can be posted twice.
 */
final class VoteMessages {

  private static final Logger log = LoggerFactory.getLogger(VoteMessages.class);

  static final String METADATA_EVENT_TYPE = "metagov_process";

  /**
   * Refusals that say the vote's message cannot be shown any more; the vote itself goes on without
   * it.
   */
  static final Set<String> MESSAGE_GONE =
      Set.of(
          "message_not_found",
          "channel_not_found",
          "cant_update_message",
          "is_archived",
          "edit_window_closed");

  /**
   * Where a vote's message is: the channel Slack posted it in and its timestamp, which is its id.
   */
  record Posted(String channel, String ts) {}

  private VoteMessages() {}

  /** Voters named by eligible_voters (when given) and not by ineligible_voters. */
  static boolean eligible(JsonNode parameters, String user) {
    JsonNode eligible = parameters.path("eligible_voters");
    if (eligible.isArray() && !eligible.isEmpty() && !contains(eligible, user)) {
      return false;
    }
    return !contains(parameters.path("ineligible_voters"), user);
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode item : array) {
      if (item.asString("").equals(value)) {
        return true;
      }
    }
    return false;
  }

  /** A vote is posted in its channel, or else in a conversation with its eligible voters. */
  static void requirePlace(JsonNode parameters) {
    boolean channel =
        parameters.path("channel").isString() && !parameters.path("channel").asString().isBlank();
    if (!channel && parameters.path("eligible_voters").isEmpty()) {
      throw InvalidInputException.of(
          "channel",
          "is required unless eligible_voters is given (the vote is then posted"
              + " in a group conversation with them)");
    }
  }

  static String header(JsonNode parameters) {
    StringBuilder text =
        new StringBuilder("*").append(parameters.path("title").asString()).append("*");
    String details = parameters.path("details").asString("");
    if (!details.isBlank()) {
      text.append('\n').append(details);
    }
    return text.toString();
  }

  static ObjectNode section(String mrkdwn) {
    ObjectNode section = Json.object();
    section.put("type", "section");
    ObjectNode text = section.putObject("text");
    text.put("type", "mrkdwn");
    text.put("text", mrkdwn.length() > 3000 ? mrkdwn.substring(0, 2999) + "…" : mrkdwn);
    return section;
  }

  static ObjectNode context(String mrkdwn) {
    ObjectNode context = Json.object();
    context.put("type", "context");
    ObjectNode element = context.putArray("elements").addObject();
    element.put("type", "mrkdwn");
    element.put("text", mrkdwn);
    return context;
  }

  static ObjectNode plainText(String text) {
    ObjectNode node = Json.object();
    node.put("type", "plain_text");
    node.put("text", text);
    node.put("emoji", true);
    return node;
  }

  private static String stateKey(long processId) {
    return "vote-message:" + processId;
  }

  /** Posts the vote's message, or finds the one an earlier attempt of this start posted. */
  static Posted post(
      SlackApi api, PluginContext context, ProcessInstance process, ArrayNode blocks) {
    String key = stateKey(process.id());
    JsonNode recorded = context.state().get(key);
    if (recorded != null && recorded.path("ts").isString()) {
      return new Posted(recorded.path("channel").asString(), recorded.path("ts").asString());
    }
    JsonNode parameters = process.parameters();
    String channel = channel(api, parameters);
    if (recorded != null && recorded.path("posting_since").isNumber()) {
      Posted earlier = findEarlier(api, process, channel, recorded.path("posting_since").asLong());
      if (earlier != null) {
        record(context, key, earlier);
        return earlier;
      }
    }
    ObjectNode underWay = Json.object();
    underWay.put("channel", channel);
    underWay.put("posting_since", Instant.now().getEpochSecond());
    context.state().set(key, underWay);
    ObjectNode message = Json.object();
    message.put("channel", channel);
    message.put("text", parameters.path("title").asString());
    message.set("blocks", blocks);
    ObjectNode metadata = message.putObject("metadata");
    metadata.put("event_type", METADATA_EVENT_TYPE);
    ObjectNode payload = metadata.putObject("event_payload");
    payload.put("community", process.community());
    payload.put("process_id", process.id());
    JsonNode answer = api.call("chat.postMessage", message);
    Posted posted =
        new Posted(answer.path("channel").asString(channel), answer.path("ts").asString());
    record(context, key, posted);
    return posted;
  }

  private static void record(PluginContext context, String key, Posted posted) {
    ObjectNode done = Json.object();
    done.put("channel", posted.channel());
    done.put("ts", posted.ts());
    context.state().set(key, done);
  }

  /** Forgets the start's record once the process has ended. */
  static void forget(PluginContext context, long processId) {
    if (context.state().get(stateKey(processId)) != null) {
      context.state().set(stateKey(processId), tools.jackson.databind.node.NullNode.getInstance());
    }
  }

  /** The channel to post in: the one named, or a group conversation with the eligible voters. */
  private static String channel(SlackApi api, JsonNode parameters) {
    String channel = parameters.path("channel").asString("");
    if (!channel.isBlank()) {
      return channel;
    }
    ObjectNode open = Json.object();
    open.set("users", parameters.path("eligible_voters").deepCopy());
    return api.call("conversations.open", open).path("channel").path("id").asString();
  }

  private static Posted findEarlier(
      SlackApi api, ProcessInstance process, String channel, long since) {
    ObjectNode query = Json.object();
    query.put("channel", channel);
    query.put("oldest", Long.toString(since - 1));
    query.put("inclusive", true);
    query.put("limit", 200);
    query.put("include_all_metadata", true);
    JsonNode history;
    try {
      history = SlackPlugin.callJoiningIfNeeded(api, "conversations.history", query);
    } catch (PlatformException e) {
      if (e.retryable()) {
        throw e;
      }
      log.warn(
          "Could not read the history of {} to find the vote message of process {}; posting it again: {}",
          channel,
          process.id(),
          e.getMessage());
      return null;
    }
    for (JsonNode message : history.path("messages")) {
      JsonNode metadata = message.path("metadata");
      if (METADATA_EVENT_TYPE.equals(metadata.path("event_type").asString(null))
          && metadata.path("event_payload").path("process_id").asLong(-1) == process.id()
          && process
              .community()
              .equals(metadata.path("event_payload").path("community").asString(null))) {
        return new Posted(channel, message.path("ts").asString());
      }
    }
    return null;
  }

  static String permalink(SlackApi api, Posted posted) {
    ObjectNode query = Json.object();
    query.put("channel", posted.channel());
    query.put("message_ts", posted.ts());
    return api.call("chat.getPermalink", query).path("permalink").asString(null);
  }

  /**
   * Replaces the vote's message. A message that cannot be shown any more (deleted, its channel
   * archived) does not stop the vote, which is counted from the button presses Metagov received;
   * false then.
   */
  static boolean update(
      SlackApi api, Posted posted, String title, ArrayNode blocks, long processId) {
    ObjectNode message = Json.object();
    message.put("channel", posted.channel());
    message.put("ts", posted.ts());
    message.put("text", title);
    message.set("blocks", blocks);
    try {
      api.call("chat.update", message);
      return true;
    } catch (PlatformException e) {
      if (e.kind() == Kind.REJECTED && MESSAGE_GONE.contains(SlackApi.error(e))) {
        log.warn(
            "The message of vote {} cannot be updated ({}); the vote goes on without it.",
            processId,
            SlackApi.error(e));
        return false;
      }
      throw e;
    }
  }

  /**
   * Tells each ineligible voter whose press is new (its index at or past {@code handled}) that the
   * vote was not counted. A notice Slack refuses (the voter left the channel) is skipped: it is a
   * courtesy, not the vote.
   */
  static void noticeIneligible(
      SlackApi api,
      Posted posted,
      JsonNode parameters,
      List<JsonNode> inputs,
      int handled,
      Set<String> actionIds) {
    Set<String> noticed = new HashSet<>();
    for (int i = Math.max(0, handled); i < inputs.size(); i++) {
      JsonNode input = inputs.get(i);
      String user = input.path("user").asString(null);
      if (user == null
          || !actionIds.contains(input.path("action_id").asString(""))
          || eligible(parameters, user)
          || !noticed.add(user)) {
        continue;
      }
      ObjectNode notice = Json.object();
      notice.put("channel", posted.channel());
      notice.put("user", user);
      notice.put(
          "text",
          parameters
              .path("ineligible_voter_message")
              .asString("You are not eligible to vote in this poll."));
      try {
        api.call("chat.postEphemeral", notice);
      } catch (PlatformException e) {
        if (e.retryable() || e.platformStatus() == 401) {
          throw e;
        }
        log.info("Slack refused the ineligible-voter notice to {}: {}", user, SlackApi.error(e));
      }
    }
  }

  /** The vote's message, as a routing key: button presses on it are this process's inputs. */
  static List<String> routingKeys(Posted posted) {
    return List.of(SlackWebhooks.messageKey(posted.channel(), posted.ts()));
  }

  static ObjectNode state(Posted posted, String url) {
    ObjectNode state = Json.object();
    state.put("channel", posted.channel());
    state.put("ts", posted.ts());
    if (url != null) {
      state.put("url", url);
    }
    return state;
  }

  static Posted posted(ProcessInstance process) {
    JsonNode state = process.platformState();
    if (!state.path("channel").isString() || !state.path("ts").isString()) {
      throw new PlatformException(
          Kind.REJECTED,
          SlackApi.PLATFORM,
          0,
          "This process has no Slack message recorded; it was never started on Slack.");
    }
    return new Posted(state.get("channel").asString(), state.get("ts").asString());
  }
}

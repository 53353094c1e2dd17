package org.metagov.activities.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.NullNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vote on a Discord message with a button per option ({@code vote}): Approve and Reject for a
 * boolean vote, one button per option for a choice. Each press reaches the process as an input
 * (Discord keeps no record of it), and every read folds all inputs in order, so each eligible
 * voter's last press counts. The message shows the tally and who voted; once closed its buttons are
 * disabled.
 *
 * <p><b>Answering a press.</b> A press is answered {@code DEFERRED_UPDATE_MESSAGE} (type 6) at
 * once, and the process then edits the message through the REST API. Answering {@code
 * UPDATE_MESSAGE} (type 7) with the new tally would need the tally in the request that receives the
 * press, before it is routed to a community, and the tally is the fold of every acknowledged press,
 * which only the process holds: a tally computed from the message as the pressing client saw it
 * would lose presses made at the same time, and who is eligible is a parameter of the process. For
 * the same reason an ineligible voter is told with an ephemeral follow-up message (flags 64), sent
 * with the press's interaction token by the process.
 *
 * <p><b>Posting once.</b> The message is created with a nonce derived from the community and the
 * process and {@code enforce_nonce}, so Discord answers a repeated start (a lost answer, a crash)
 * with the message it already created; once posted, the message is also recorded in the plugin
 * state.
 */
final class DiscordVote implements ProcessAdapter {

  private static final Logger log = LoggerFactory.getLogger(DiscordVote.class);

  static final String CUSTOM_ID_PREFIX = "cast_vote:";
  static final String YES = "yes";
  static final String NO = "no";
  static final int BUTTON_STYLE_PRIMARY = 1;
  static final int BUTTON_STYLE_SUCCESS = 3;
  static final int BUTTON_STYLE_DANGER = 4;
  static final int MAX_CONTENT = 2000;

  /** Refusals that say the vote's message cannot be shown any more; the vote goes on without it. */
  private static final Set<Integer> MESSAGE_GONE =
      Set.of(DiscordApi.UNKNOWN_CHANNEL, DiscordApi.UNKNOWN_MESSAGE, 50001, 50005, 50083);

  private final DiscordPlugin plugin;

  DiscordVote(DiscordPlugin plugin) {
    this.plugin = plugin;
  }

  /** Where a vote's message is. */
  record Posted(String channel, String messageId) {}

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    options(parameters);
    return ClosingTimes.optional(parameters, now);
  }

  /** The options voted on: yes and no for a boolean vote, else the given ones. */
  static List<String> options(JsonNode parameters) {
    if (yesNo(parameters)) {
      return List.of(YES, NO);
    }
    JsonNode given = parameters.path("options");
    if (!given.isArray() || given.size() < 2) {
      throw InvalidInputException.of("options", "must list at least two options for a choice vote");
    }
    List<String> options = new ArrayList<>();
    given.forEach(option -> options.add(option.asString()));
    return options;
  }

  private static boolean yesNo(JsonNode parameters) {
    return "boolean".equals(parameters.path("poll_type").asString(""));
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    DiscordApi api = plugin.api(context);
    Map<String, Integer> noVotes = new LinkedHashMap<>();
    Posted posted = post(api, context, process, message(parameters, options, noVotes, false));
    String url = plugin.messageUrl(context, posted.channel(), posted.messageId());
    ObjectNode state = Json.object();
    state.put("channel", posted.channel());
    state.put("message_id", posted.messageId());
    state.put("url", url);
    ObjectNode outcome = outcome(options, noVotes, posted);
    state.set("tally", outcome.get("votes").deepCopy());
    state.put("inputs_handled", 0);
    return new ProcessSnapshot(state, outcome, url, false, routingKeys(posted));
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    Posted posted = posted(process);
    DiscordApi api = plugin.api(context);
    Map<String, Integer> votes = fold(parameters, options, process.inputs());
    ObjectNode outcome = outcome(options, votes, posted);
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    if (!outcome.get("votes").equals(state.get("tally"))
        && edit(api, posted, message(parameters, options, votes, false), process.id())) {
      state.set("tally", outcome.get("votes").deepCopy());
    }
    noticeIneligible(api, parameters, process.inputs(), state.path("inputs_handled").asInt(0));
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state, outcome, state.path("url").asString(null), false, routingKeys(posted));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    Posted posted = posted(process);
    DiscordApi api = plugin.api(context);
    Map<String, Integer> votes = fold(parameters, options, process.inputs());
    ObjectNode outcome = outcome(options, votes, posted);
    edit(api, posted, message(parameters, options, votes, true), process.id());
    if (context.state().get(stateKey(process.id())) != null) {
      context.state().set(stateKey(process.id()), NullNode.getInstance());
    }
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    state.set("tally", outcome.get("votes").deepCopy());
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state, outcome, state.path("url").asString(null), true, routingKeys(posted));
  }

  private static String stateKey(long processId) {
    return "vote-message:" + processId;
  }

  /**
   * Posts the vote's message in its channel (which must be in the installation's guild), or finds
   * it posted.
   */
  private Posted post(
      DiscordApi api, PluginContext context, ProcessInstance process, ObjectNode message) {
    JsonNode recorded = context.state().get(stateKey(process.id()));
    if (recorded != null && recorded.path("message_id").isString()) {
      return new Posted(
          recorded.path("channel").asString(), recorded.path("message_id").asString());
    }
    String channel = process.parameters().path("channel").asString();
    plugin.requireOwnChannel(context, channel);
    message.put("nonce", nonce(process));
    message.put("enforce_nonce", true);
    JsonNode answer = api.bot("POST", "/channels/" + channel + "/messages", message);
    Posted posted =
        new Posted(answer.path("channel_id").asString(channel), answer.path("id").asString());
    ObjectNode done = Json.object();
    done.put("channel", posted.channel());
    done.put("message_id", posted.messageId());
    context.state().set(stateKey(process.id()), done);
    return posted;
  }

  /**
   * A nonce (at most 25 characters, as Discord allows) that only this community's process yields.
   */
  static String nonce(ProcessInstance process) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  ("metagov:" + process.community() + ":" + process.id())
                      .getBytes(StandardCharsets.UTF_8));
      return "mg" + HexFormat.of().formatHex(digest).substring(0, 23);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * Replaces the vote's message. A message that cannot be shown any more (deleted, its channel gone
   * or hidden from the bot) does not stop the vote, which is counted from the presses Metagov
   * received; false then.
   */
  private static boolean edit(DiscordApi api, Posted posted, ObjectNode message, long processId) {
    try {
      api.bot(
          "PATCH", "/channels/" + posted.channel() + "/messages/" + posted.messageId(), message);
      return true;
    } catch (PlatformException e) {
      if (e.kind() == Kind.REJECTED && MESSAGE_GONE.contains(DiscordApi.code(e))) {
        log.warn(
            "The message of vote {} cannot be edited (Discord code {}); the vote goes on without it.",
            processId,
            DiscordApi.code(e));
        return false;
      }
      throw e;
    }
  }

  /**
   * Tells each ineligible voter whose press is new (its index at or past {@code handled}) that it
   * was not counted, with an ephemeral follow-up to their press. A follow-up Discord refuses (the
   * press's token expired after fifteen minutes) is skipped: it is a courtesy, not the vote.
   */
  private static void noticeIneligible(
      DiscordApi api, JsonNode parameters, List<JsonNode> inputs, int handled) {
    Set<String> noticed = new HashSet<>();
    for (int i = Math.max(0, handled); i < inputs.size(); i++) {
      JsonNode input = inputs.get(i);
      String user = input.path("user").asString(null);
      String token = input.path("interaction_token").asString("");
      if (user == null
          || token.isBlank()
          || !input.path("custom_id").asString("").startsWith(CUSTOM_ID_PREFIX)
          || eligible(parameters, user)
          || !noticed.add(user)) {
        continue;
      }
      ObjectNode notice = Json.object();
      notice.put(
          "content",
          parameters
              .path("ineligible_voter_message")
              .asString("You are not eligible to vote in this poll."));
      notice.put("flags", DiscordApp.EPHEMERAL);
      try {
        api.followUp(token, notice);
      } catch (PlatformException e) {
        if (e.retryable()) {
          throw e;
        }
        log.info(
            "Discord refused the ineligible-voter notice to {} ({}).", user, e.platformStatus());
      }
    }
  }

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

  /** Each eligible voter's last valid press, in the order of those last presses. */
  static Map<String, Integer> fold(
      JsonNode parameters, List<String> options, List<JsonNode> inputs) {
    Map<String, Integer> votes = new LinkedHashMap<>();
    for (JsonNode input : inputs) {
      String user = input.path("user").asString(null);
      String customId = input.path("custom_id").asString("");
      if (user == null || !customId.startsWith(CUSTOM_ID_PREFIX) || !eligible(parameters, user)) {
        continue;
      }
      int option = optionIndex(customId.substring(CUSTOM_ID_PREFIX.length()), options.size());
      if (option >= 0) {
        votes.remove(user);
        votes.put(user, option);
      }
    }
    return votes;
  }

  private static int optionIndex(String value, int count) {
    try {
      int index = Integer.parseInt(value);
      return index >= 0 && index < count ? index : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code {votes: {option: {users, count}}, channel, message_id}}. */
  static ObjectNode outcome(List<String> options, Map<String, Integer> votes, Posted posted) {
    ObjectNode outcome = Json.object();
    ObjectNode byOption = outcome.putObject("votes");
    for (int i = 0; i < options.size(); i++) {
      ObjectNode option = byOption.putObject(options.get(i));
      ArrayNode users = option.putArray("users");
      voters(votes, i).forEach(users::add);
      option.put("count", users.size());
    }
    outcome.put("channel", posted.channel());
    outcome.put("message_id", posted.messageId());
    return outcome;
  }

  private static List<String> voters(Map<String, Integer> votes, int option) {
    List<String> users = new ArrayList<>();
    votes.forEach(
        (user, choice) -> {
          if (choice == option) {
            users.add(user);
          }
        });
    return users;
  }

  /**
   * The message: the question, each option's count and voters, and a button per option (disabled
   * once closed).
   */
  static ObjectNode message(
      JsonNode parameters, List<String> options, Map<String, Integer> votes, boolean closed) {
    boolean yesNo = yesNo(parameters);
    StringBuilder content =
        new StringBuilder("**").append(parameters.path("title").asString()).append("**");
    String details = parameters.path("details").asString("");
    if (!details.isBlank()) {
      content.append('\n').append(details);
    }
    content.append('\n');
    ArrayNode rows = Json.MAPPER.createArrayNode();
    for (int i = 0; i < options.size(); i++) {
      String label = yesNo ? (i == 0 ? "Approve" : "Reject") : options.get(i);
      List<String> users = voters(votes, i);
      content.append('\n').append(label).append(": ").append(users.size());
      if (!users.isEmpty()) {
        content
            .append(" (")
            .append(String.join(", ", users.stream().map(u -> "<@" + u + ">").toList()))
            .append(')');
      }
      if (i % 5 == 0) {
        ObjectNode row = rows.addObject();
        row.put("type", 1);
        row.putArray("components");
      }
      ObjectNode button = ((ArrayNode) rows.get(rows.size() - 1).get("components")).addObject();
      button.put("type", 2);
      button.put(
          "style",
          yesNo ? (i == 0 ? BUTTON_STYLE_SUCCESS : BUTTON_STYLE_DANGER) : BUTTON_STYLE_PRIMARY);
      button.put("label", label.length() > 80 ? label.substring(0, 79) + "…" : label);
      button.put("custom_id", CUSTOM_ID_PREFIX + i);
      if (yesNo) {
        button.putObject("emoji").put("name", i == 0 ? "👍" : "👎");
      }
      button.put("disabled", closed);
    }
    if (closed) {
      content.append("\n\nVoting has closed.");
    }
    ObjectNode message = Json.object();
    message.put(
        "content",
        content.length() > MAX_CONTENT
            ? content.substring(0, MAX_CONTENT - 1) + "…"
            : content.toString());
    message.set("components", rows);
    // The tally names voters; naming them must not notify them.
    message.putObject("allowed_mentions").putArray("parse");
    return message;
  }

  /** The vote's message, as a routing key: presses on it are this process's inputs. */
  static List<String> routingKeys(Posted posted) {
    return List.of(DiscordInteractions.messageKey(posted.channel(), posted.messageId()));
  }

  static Posted posted(ProcessInstance process) {
    JsonNode state = process.platformState();
    if (!state.path("channel").isString() || !state.path("message_id").isString()) {
      throw new PlatformException(
          Kind.REJECTED,
          DiscordApi.PLATFORM,
          0,
          "This process has no Discord message recorded; it was never started on Discord.");
    }
    return new Posted(state.get("channel").asString(), state.get("message_id").asString());
  }
}

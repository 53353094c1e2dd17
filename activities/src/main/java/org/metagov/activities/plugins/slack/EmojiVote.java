package org.metagov.activities.plugins.slack;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugins.slack.VoteMessages.Posted;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vote on a Slack message with a button per option ({@code emoji-vote}): Approve and Reject for a
 * boolean vote, one emoji of the chosen family per option for a choice. Each press reaches the
 * process as an input (the press itself is the vote: Slack keeps no record of it), and every read
 * folds all inputs in order, so each voter's last press counts. The message shows live counts and
 * who voted; it is updated when the tally changes, and once closed shows the tally without buttons.
 *
 * <p>The platform state keeps the message, the tally last shown and how many inputs were handled,
 * so a repeated read neither updates the message again nor repeats an ineligible voter's notice.
 */
final class EmojiVote implements ProcessAdapter {

  private final Function<PluginContext, SlackApi> apis;

  EmojiVote(Function<PluginContext, SlackApi> apis) {
    this.apis = apis;
  }

  static final String ACTION_ID = "cast_vote";
  static final String YES = "yes";
  static final String NO = "no";

  static final Map<String, List<String>> EMOJI_FAMILIES =
      Map.of(
          "numbers",
              List.of(
                  "one",
                  "two",
                  "three",
                  "four",
                  "five",
                  "six",
                  "seven",
                  "eight",
                  "nine",
                  "keycap_ten"),
          "flowers",
              List.of(
                  "tulip",
                  "sunflower",
                  "cherry_blossom",
                  "rose",
                  "wilted_flower",
                  "bouquet",
                  "hibiscus",
                  "blossom"),
          "hearts",
              List.of(
                  "blue_heart",
                  "purple_heart",
                  "heart",
                  "green_heart",
                  "sparkling_heart",
                  "orange_heart",
                  "yellow_heart"));

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    options(parameters);
    VoteMessages.requirePlace(parameters);
    return ClosingTimes.optional(parameters, now);
  }

  /**
   * The options voted on: yes and no for a boolean vote, else the given ones (at most one per
   * emoji).
   */
  static List<String> options(JsonNode parameters) {
    if (yesNo(parameters)) {
      return List.of(YES, NO);
    }
    JsonNode given = parameters.path("options");
    if (!given.isArray() || given.size() < 2) {
      throw InvalidInputException.of("options", "must list at least two options for a choice vote");
    }
    String family = parameters.path("emoji_family").asString("numbers");
    int available = EMOJI_FAMILIES.get(family).size();
    if (given.size() > available) {
      throw InvalidInputException.of(
          "options",
          "has "
              + given.size()
              + " options but the emoji family "
              + family
              + " has "
              + available
              + " emoji");
    }
    return SlackWebhooks.strings(given);
  }

  private static boolean yesNo(JsonNode parameters) {
    return "boolean".equals(parameters.path("poll_type").asString(""));
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    SlackApi api = apis.apply(context);
    Map<String, Integer> noVotes = new LinkedHashMap<>();
    Posted posted =
        VoteMessages.post(api, context, process, blocks(parameters, options, noVotes, false));
    String url = VoteMessages.permalink(api, posted);
    ObjectNode state = VoteMessages.state(posted, url);
    ObjectNode outcome = outcome(options, noVotes, posted);
    state.set("tally", outcome.get("votes").deepCopy());
    state.put("inputs_handled", 0);
    return new ProcessSnapshot(state, outcome, url, false, VoteMessages.routingKeys(posted));
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    Posted posted = VoteMessages.posted(process);
    SlackApi api = apis.apply(context);
    Map<String, Integer> votes = fold(parameters, options, process.inputs());
    ObjectNode outcome = outcome(options, votes, posted);
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    if (!outcome.get("votes").equals(state.get("tally"))
        && VoteMessages.update(
            api,
            posted,
            parameters.path("title").asString(),
            blocks(parameters, options, votes, false),
            process.id())) {
      state.set("tally", outcome.get("votes").deepCopy());
    }
    VoteMessages.noticeIneligible(
        api,
        posted,
        parameters,
        process.inputs(),
        state.path("inputs_handled").asInt(0),
        Set.of(ACTION_ID));
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state, outcome, state.path("url").asString(null), false, VoteMessages.routingKeys(posted));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    List<String> options = options(parameters);
    Posted posted = VoteMessages.posted(process);
    SlackApi api = apis.apply(context);
    Map<String, Integer> votes = fold(parameters, options, process.inputs());
    ObjectNode outcome = outcome(options, votes, posted);
    VoteMessages.update(
        api,
        posted,
        parameters.path("title").asString(),
        blocks(parameters, options, votes, true),
        process.id());
    VoteMessages.forget(context, process.id());
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    state.set("tally", outcome.get("votes").deepCopy());
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state, outcome, state.path("url").asString(null), true, VoteMessages.routingKeys(posted));
  }

  /**
   * Each eligible voter's last valid press, in the order of those last presses: a voter who votes
   * again moves their vote.
   */
  static Map<String, Integer> fold(
      JsonNode parameters, List<String> options, List<JsonNode> inputs) {
    Map<String, Integer> votes = new LinkedHashMap<>();
    for (JsonNode input : inputs) {
      String user = input.path("user").asString(null);
      if (user == null
          || !ACTION_ID.equals(input.path("action_id").asString(""))
          || !VoteMessages.eligible(parameters, user)) {
        continue;
      }
      int option = optionIndex(input.path("value").asString(""), options.size());
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

  /** {@code {votes: {option: {users, count}}, channel, message_ts}}. */
  static ObjectNode outcome(List<String> options, Map<String, Integer> votes, Posted posted) {
    ObjectNode outcome = Json.object();
    ObjectNode byOption = outcome.putObject("votes");
    for (int i = 0; i < options.size(); i++) {
      List<String> users = voters(votes, i);
      ObjectNode option = byOption.putObject(options.get(i));
      ArrayNode list = option.putArray("users");
      users.forEach(list::add);
      option.put("count", users.size());
    }
    outcome.put("channel", posted.channel());
    outcome.put("message_ts", posted.ts());
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

  static ArrayNode blocks(
      JsonNode parameters, List<String> options, Map<String, Integer> votes, boolean closed) {
    ArrayNode blocks = Json.MAPPER.createArrayNode();
    blocks.add(VoteMessages.section(VoteMessages.header(parameters)));
    boolean yesNo = yesNo(parameters);
    List<String> emoji = EMOJI_FAMILIES.get(parameters.path("emoji_family").asString("numbers"));
    for (int i = 0; i < options.size(); i++) {
      String label = yesNo ? (i == 0 ? "Approve" : "Reject") : options.get(i);
      List<String> users = voters(votes, i);
      StringBuilder text = new StringBuilder(label).append("   `").append(users.size()).append('`');
      if (!users.isEmpty()) {
        text.append(" (")
            .append(String.join(", ", users.stream().map(u -> "<@" + u + ">").toList()))
            .append(')');
      }
      ObjectNode section = VoteMessages.section(text.toString());
      if (!closed) {
        ObjectNode button = section.putObject("accessory");
        button.put("type", "button");
        button.set(
            "text",
            VoteMessages.plainText(yesNo ? (i == 0 ? ":+1:" : ":-1:") : ":" + emoji.get(i) + ":"));
        button.put("value", Integer.toString(i));
        button.put("action_id", ACTION_ID);
      }
      blocks.add(section);
    }
    if (closed) {
      blocks.add(VoteMessages.context("Voting has closed."));
    }
    return blocks;
  }
}

package org.metagov.activities.plugins.slack;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugins.slack.VoteMessages.Posted;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vote on several candidates at once ({@code advanced-vote}): the message has a menu of the same
 * options for each candidate, and each voter's last choice per candidate counts. The outcome is
 * every voter's choices, {@code {votes: {user: {candidate: option}}}}.
 *
 * <p>Unlike {@link EmojiVote}, the open message is not updated as votes come in: updating it would
 * clear the choices every voter sees in their menus. It shows how many voted only once the vote has
 * closed.
 */
final class AdvancedVote implements ProcessAdapter {

  private final Function<PluginContext, SlackApi> apis;

  AdvancedVote(Function<PluginContext, SlackApi> apis) {
    this.apis = apis;
  }

  /** Each candidate's menu has the action id {@code advanced_vote.<candidate index>}. */
  static final String ACTION_PREFIX = "advanced_vote.";

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    VoteMessages.requirePlace(parameters);
    return ClosingTimes.optional(parameters, now);
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    SlackApi api = apis.apply(context);
    Posted posted = VoteMessages.post(api, context, process, blocks(parameters, 0, false));
    String url = VoteMessages.permalink(api, posted);
    ObjectNode state = VoteMessages.state(posted, url);
    state.put("inputs_handled", 0);
    return new ProcessSnapshot(
        state, outcome(Map.of(), posted), url, false, VoteMessages.routingKeys(posted));
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    Posted posted = VoteMessages.posted(process);
    Map<String, Map<String, String>> votes = fold(parameters, process.inputs());
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    VoteMessages.noticeIneligible(
        apis.apply(context),
        posted,
        parameters,
        process.inputs(),
        state.path("inputs_handled").asInt(0),
        actionIds(parameters));
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state,
        outcome(votes, posted),
        state.path("url").asString(null),
        false,
        VoteMessages.routingKeys(posted));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    Posted posted = VoteMessages.posted(process);
    Map<String, Map<String, String>> votes = fold(parameters, process.inputs());
    VoteMessages.update(
        apis.apply(context),
        posted,
        parameters.path("title").asString(),
        blocks(parameters, votes.size(), true),
        process.id());
    VoteMessages.forget(context, process.id());
    ObjectNode state = (ObjectNode) process.platformState().deepCopy();
    state.put("inputs_handled", process.inputs().size());
    return new ProcessSnapshot(
        state,
        outcome(votes, posted),
        state.path("url").asString(null),
        true,
        VoteMessages.routingKeys(posted));
  }

  private static Set<String> actionIds(JsonNode parameters) {
    Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < parameters.path("candidates").size(); i++) {
      ids.add(ACTION_PREFIX + i);
    }
    return ids;
  }

  /** Each eligible voter's last choice for each candidate. */
  static Map<String, Map<String, String>> fold(JsonNode parameters, List<JsonNode> inputs) {
    List<String> candidates = SlackWebhooks.strings(parameters.path("candidates"));
    List<String> options = SlackWebhooks.strings(parameters.path("options"));
    Map<String, Map<String, String>> votes = new LinkedHashMap<>();
    for (JsonNode input : inputs) {
      String user = input.path("user").asString(null);
      String actionId = input.path("action_id").asString("");
      if (user == null
          || !actionId.startsWith(ACTION_PREFIX)
          || !VoteMessages.eligible(parameters, user)) {
        continue;
      }
      int candidate = index(actionId.substring(ACTION_PREFIX.length()), candidates.size());
      int option = index(input.path("value").asString(""), options.size());
      if (candidate >= 0 && option >= 0) {
        votes
            .computeIfAbsent(user, u -> new LinkedHashMap<>())
            .put(candidates.get(candidate), options.get(option));
      }
    }
    return votes;
  }

  private static int index(String text, int count) {
    try {
      int index = Integer.parseInt(text);
      return index >= 0 && index < count ? index : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static ObjectNode outcome(Map<String, Map<String, String>> votes, Posted posted) {
    ObjectNode outcome = Json.object();
    ObjectNode byUser = outcome.putObject("votes");
    votes.forEach(
        (user, choices) -> {
          ObjectNode node = byUser.putObject(user);
          choices.forEach(node::put);
        });
    outcome.put("channel", posted.channel());
    outcome.put("message_ts", posted.ts());
    return outcome;
  }

  static ArrayNode blocks(JsonNode parameters, int voters, boolean closed) {
    ArrayNode blocks = Json.MAPPER.createArrayNode();
    blocks.add(VoteMessages.section(VoteMessages.header(parameters)));
    List<String> options = SlackWebhooks.strings(parameters.path("options"));
    List<String> candidates = SlackWebhooks.strings(parameters.path("candidates"));
    for (int i = 0; i < candidates.size(); i++) {
      ObjectNode section = VoteMessages.section(candidates.get(i));
      if (!closed) {
        ObjectNode menu = section.putObject("accessory");
        menu.put("type", "static_select");
        menu.put("action_id", ACTION_PREFIX + i);
        menu.set("placeholder", VoteMessages.plainText("Select an option"));
        ArrayNode choices = menu.putArray("options");
        for (int j = 0; j < options.size(); j++) {
          ObjectNode choice = choices.addObject();
          choice.set("text", VoteMessages.plainText(options.get(j)));
          choice.put("value", Integer.toString(j));
        }
      }
      blocks.add(section);
    }
    if (closed) {
      blocks.add(
          VoteMessages.context(
              "Voting has closed; " + voters + (voters == 1 ? " person" : " people") + " voted."));
    }
    return blocks;
  }
}

package org.metagov.activities.plugins.github;

import java.util.TreeSet;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.Schemas;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code issue-react-vote}: people vote by reacting 👍 (yes) or 👎 (no) to the issue itself; other
 * reactions and bots' reactions do not count. GitHub sends no webhook for reactions, so the process
 * re-reads them periodically.
 */
final class IssueReactVote extends IssueVote {

  static final String YES = "yes";
  static final String NO = "no";

  static final JsonNode OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "issue_number": {"type": "integer"},
         "votes": {"type": "object", "description": "yes: the people who reacted 👍 to the issue; no: 👎.",
                   "additionalProperties": {"type": "object", "properties": {
                     "users": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}},
         "result": {"type": "string", "enum": ["pass", "fail", "tie"]}
       }}
      """);

  IssueReactVote(GitHubPlugin plugin) {
    super(plugin);
  }

  @Override
  String instructions() {
    return "Vote on the question below by reacting to this issue: 👍 for yes, 👎 for no. Other reactions are not counted.";
  }

  @Override
  ObjectNode outcome(PluginContext context, String repo, JsonNode issue) {
    long number = issue.path("number").asLong();
    TreeSet<String> yes = new TreeSet<>();
    TreeSet<String> no = new TreeSet<>();
    for (JsonNode reaction : all(context, repo + "/issues/" + number + "/reactions")) {
      JsonNode user = reaction.path("user");
      if (!isPerson(user)) {
        continue;
      }
      String content = reaction.path("content").asString("");
      if ("+1".equals(content)) {
        yes.add(user.get("login").asString());
      } else if ("-1".equals(content)) {
        no.add(user.get("login").asString());
      }
    }
    ObjectNode outcome = Json.object();
    outcome.put("issue_number", number);
    ObjectNode votes = outcome.putObject("votes");
    votes.set(YES, tally(yes));
    votes.set(NO, tally(no));
    outcome.put(
        "result", yes.size() > no.size() ? "pass" : no.size() > yes.size() ? "fail" : "tie");
    return outcome;
  }

  /** The people who reacted 👍 or 👎; someone who reacted both is one voter. */
  @Override
  int voters(JsonNode outcome) {
    TreeSet<String> voters = new TreeSet<>();
    for (String side : new String[] {YES, NO}) {
      outcome.path("votes").path(side).path("users").forEach(user -> voters.add(user.asString()));
    }
    return voters.size();
  }

  @Override
  String resultText(JsonNode outcome) {
    JsonNode votes = outcome.path("votes");
    return "The vote is closed: "
        + votes.path(YES).path("count").asInt()
        + " for (👍), "
        + votes.path(NO).path("count").asInt()
        + " against (👎). Result: "
        + outcome.path("result").asString()
        + ".";
  }
}

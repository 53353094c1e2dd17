package org.metagov.activities.plugins.github;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.Schemas;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code issue-comment-vote}: people vote by commenting on the issue with their choice between
 * {@code ^^^^} marks ({@code ^^^^option a^^^^}), as in the original gateway; choices are compared
 * without case. Each person's first comment that holds a choice counts; later ones, and bots'
 * comments, do not. A comment webhook on the issue makes the process read the comments again at
 * once.
 */
final class IssueCommentVote extends IssueVote {

  private static final Pattern CHOICE =
      Pattern.compile("\\^\\^\\^\\^(.{1,200}?)\\^\\^\\^\\^", Pattern.DOTALL);

  static final JsonNode OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "issue_number": {"type": "integer"},
         "votes": {"type": "object", "description": "Each choice (lower case) to the people who chose it and their count.",
                   "additionalProperties": {"type": "object", "properties": {
                     "users": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}},
         "voters": {"type": "array", "items": {"type": "string"}}
       }}
      """);

  IssueCommentVote(GitHubPlugin plugin) {
    super(plugin);
  }

  @Override
  String instructions() {
    return "Vote on the question below by commenting on this issue with your choice between four carets, such as"
        + " `^^^^yes^^^^`. Only your first comment with a choice counts.";
  }

  @Override
  ObjectNode outcome(PluginContext context, String repo, JsonNode issue) {
    long number = issue.path("number").asLong();
    Set<String> voters = new LinkedHashSet<>();
    Map<String, TreeSet<String>> choices = new LinkedHashMap<>();
    for (JsonNode comment : all(context, repo + "/issues/" + number + "/comments")) {
      JsonNode user = comment.path("user");
      if (!isPerson(user) || voters.contains(user.get("login").asString())) {
        continue;
      }
      Matcher matcher = CHOICE.matcher(comment.path("body").asString(""));
      if (!matcher.find()) {
        continue;
      }
      String choice = matcher.group(1).strip().toLowerCase(Locale.ROOT);
      if (choice.isEmpty()) {
        continue;
      }
      voters.add(user.get("login").asString());
      choices.computeIfAbsent(choice, c -> new TreeSet<>()).add(user.get("login").asString());
    }
    ObjectNode outcome = Json.object();
    outcome.put("issue_number", number);
    ObjectNode votes = outcome.putObject("votes");
    choices.forEach((choice, users) -> votes.set(choice, tally(users)));
    outcome.set("voters", tally(voters).get("users"));
    return outcome;
  }

  @Override
  int voters(JsonNode outcome) {
    return outcome.path("voters").size();
  }

  @Override
  String resultText(JsonNode outcome) {
    StringBuilder text = new StringBuilder("The vote is closed.");
    outcome
        .path("votes")
        .properties()
        .forEach(
            choice ->
                text.append("\n- ")
                    .append(choice.getKey())
                    .append(": ")
                    .append(choice.getValue().path("count").asInt()));
    if (outcome.path("votes").isEmpty()) {
      text.append(" Nobody voted.");
    }
    return text.toString();
  }
}

package org.metagov.activities.plugins.github;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
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
 * {@code issue-react-vote}: an issue opened by the app ({@code VOTE: <question>}), on which people vote by reacting
 * 👍 (yes) or 👎 (no) to the issue itself, with the original gateway's parameters (but not its {@code max_votes}). Only people's reactions count (not bots'). GitHub sends no webhook for
 * reactions, so the process re-reads them periodically; a comment webhook on the issue is a hint to re-read
 * sooner. Closing it posts the result as a comment and closes the issue; an issue closed on GitHub ends the vote.
 *
 * <p>The issue's body carries a hidden tag of the process, so that a start repeated after a crash finds the issue
 * the first attempt opened (among the repository's newest issues) instead of opening another.
 */
final class IssueReactVote implements ProcessAdapter {

  static final String YES = "yes";
  static final String NO = "no";

  /** How far back a repeated start looks for the issue a first attempt opened, and a close for its result comment. */
  private static final int RECENT = 30;
  /** The most reactions read (100 a page): a vote with more is counted on its first 5,000. */
  private static final int MAX_REACTION_PAGES = 50;

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  static final JsonNode INPUT = Schemas.schema("""
      {"type": "object",
       "properties": {
         "repo_name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$",
                       "description": "The repository (of the installation's account) to open the vote's issue in."},
         "question": {"type": "string", "minLength": 1, "maxLength": 200, "description": "What is voted on; the issue's title is VOTE: and the question."},
         "help_text": {"type": "string", "maxLength": 60000, "description": "Guidance shown above the question (GitHub Markdown)."},
         "closing_at": {"type": "string", "pattern": "%s",
                        "description": "When the vote closes: an ISO-8601 date (start of that day, UTC) or date-time. Without it the vote runs until closed by DELETE or until the issue is closed on GitHub."}
       },
       "required": ["repo_name", "question"],
       "additionalProperties": false}
      """.formatted(INSTANT_PATTERN));

  static final JsonNode OUTCOME = Schemas.schema("""
      {"type": "object",
       "properties": {
         "issue_number": {"type": "integer"},
         "votes": {"type": "object", "description": "yes: the people who reacted 👍 to the issue; no: 👎.",
                   "additionalProperties": {"type": "object", "properties": {
                     "users": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}},
         "result": {"type": "string", "enum": ["pass", "fail", "tie"]}
       }}
      """);

  private final GitHubPlugin plugin;

  IssueReactVote(GitHubPlugin plugin) {
    this.plugin = plugin;
  }

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    return ClosingTimes.optional(parameters, now);
  }

  /** The hidden tag of one process in its issue's body. */
  static String processTag(String community, long id) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest((community + ":" + id).getBytes(StandardCharsets.UTF_8));
      return "<!-- metagov-vote:" + HexFormat.of().formatHex(digest, 0, 12) + " -->";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  @Override
  public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
    JsonNode parameters = process.parameters();
    String repo = repository(context, parameters.path("repo_name").asString());
    String tag = processTag(process.community(), process.id());
    JsonNode issue = null;
    JsonNode recent = plugin.installationCall(context, "GET", repo + "/issues?state=all&sort=created&direction=desc&per_page=" + RECENT, null);
    for (JsonNode candidate : recent == null ? List.<JsonNode>of() : recent) {
      if (candidate.path("body").asString("").contains(tag)) {
        issue = candidate;
        break;
      }
    }
    if (issue == null) {
      String question = parameters.path("question").asString();
      String help = parameters.path("help_text").asString("");
      ObjectNode create = Json.object();
      create.put("title", "VOTE: " + question);
      create.put("body", "Vote on the question below by reacting to this issue: 👍 for yes, 👎 for no. Other reactions"
          + " are not counted.\n\n" + (help.isBlank() ? "" : "Additional guidance: " + help + "\n\n") + "QUESTION: " + question
          + "\n\n" + tag);
      issue = plugin.installationCall(context, "POST", repo + "/issues", create);
    }
    return snapshot(context, repo, issue, "closed".equals(issue.path("state").asString()));
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    String repo = repository(context, process.parameters().path("repo_name").asString());
    JsonNode issue = plugin.installationCall(context, "GET", repo + "/issues/" + issueNumber(process), null);
    return snapshot(context, repo, issue, "closed".equals(issue.path("state").asString()));
  }

  @Override
  public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
    String repo = repository(context, process.parameters().path("repo_name").asString());
    long number = issueNumber(process);
    JsonNode issue = plugin.installationCall(context, "GET", repo + "/issues/" + number, null);
    if ("closed".equals(issue.path("state").asString())) {
      return snapshot(context, repo, issue, true);
    }
    ObjectNode outcome = outcome(context, repo, issue);
    String resultTag = processTag(process.community(), process.id()).replace("metagov-vote:", "metagov-result:");
    JsonNode comments = plugin.installationCall(context, "GET", repo + "/issues/" + number + "/comments?per_page=" + RECENT
        + "&page=" + Math.max(1, (issue.path("comments").asInt(0) + RECENT - 1) / RECENT), null);
    boolean announced = false;
    for (JsonNode comment : comments == null ? List.<JsonNode>of() : comments) {
      announced |= comment.path("body").asString("").contains(resultTag);
    }
    if (!announced) {
      ObjectNode comment = Json.object();
      comment.put("body", resultText(outcome) + "\n\n" + resultTag);
      plugin.installationCall(context, "POST", repo + "/issues/" + number + "/comments", comment);
    }
    ObjectNode state = Json.object();
    state.put("state", "closed");
    JsonNode closed = plugin.installationCall(context, "PATCH", repo + "/issues/" + number, state);
    ProcessSnapshot snapshot = snapshot(context, repo, closed == null ? issue : closed, true);
    // The counts are the ones the result comment announced.
    return new ProcessSnapshot(snapshot.platformState(), outcome, snapshot.url(), true, snapshot.routingKeys());
  }

  static String resultText(JsonNode outcome) {
    JsonNode votes = outcome.path("votes");
    return "The vote is closed: " + votes.path(YES).path("count").asInt() + " for (👍), " + votes.path(NO).path("count").asInt()
        + " against (👎). Result: " + outcome.path("result").asString() + ".";
  }

  private ProcessSnapshot snapshot(PluginContext context, String repo, JsonNode issue, boolean closed) {
    long number = issue.path("number").asLong();
    ObjectNode state = Json.object();
    state.put("issue_number", number);
    String fullName = repo.substring("/repos/".length());
    return new ProcessSnapshot(state, outcome(context, repo, issue), issue.path("html_url").asString(null), closed,
        List.of(GitHubWebhooks.issueKey(fullName, number)));
  }

  private ObjectNode outcome(PluginContext context, String repo, JsonNode issue) {
    long number = issue.path("number").asLong();
    TreeSet<String> yes = new TreeSet<>();
    TreeSet<String> no = new TreeSet<>();
    for (int page = 1; page <= MAX_REACTION_PAGES; page++) {
      JsonNode reactions = plugin.installationCall(context, "GET", repo + "/issues/" + number + "/reactions?per_page=100&page=" + page, null);
      if (reactions == null || !reactions.isArray() || reactions.isEmpty()) {
        break;
      }
      for (JsonNode reaction : reactions) {
        JsonNode user = reaction.path("user");
        if (!"User".equals(user.path("type").asString(null)) || !user.path("login").isString()) {
          continue;
        }
        String content = reaction.path("content").asString("");
        if ("+1".equals(content)) {
          yes.add(user.get("login").asString());
        } else if ("-1".equals(content)) {
          no.add(user.get("login").asString());
        }
      }
      if (reactions.size() < 100) {
        break;
      }
    }
    ObjectNode outcome = Json.object();
    outcome.put("issue_number", number);
    ObjectNode votes = outcome.putObject("votes");
    votes.set(YES, tally(yes));
    votes.set(NO, tally(no));
    outcome.put("result", yes.size() > no.size() ? "pass" : no.size() > yes.size() ? "fail" : "tie");
    return outcome;
  }

  private static ObjectNode tally(TreeSet<String> users) {
    ObjectNode tally = Json.object();
    ArrayNode list = tally.putArray("users");
    users.forEach(list::add);
    tally.put("count", users.size());
    return tally;
  }

  private static String repository(PluginContext context, String repoName) {
    String owner = context.configText("owner");
    if (owner == null || repoName == null || repoName.equals(".") || repoName.equals("..")) {
      throw new PlatformException(Kind.REJECTED, GitHubApi.PLATFORM, 0, "The vote's repository cannot be named from the config and parameters.");
    }
    return "/repos/" + owner + "/" + repoName;
  }

  private static long issueNumber(ProcessInstance process) {
    JsonNode number = process.platformState() == null ? null : process.platformState().path("issue_number");
    if (number == null || !number.isIntegralNumber()) {
      throw new PlatformException(Kind.REJECTED, GitHubApi.PLATFORM, 0,
          "This process has no GitHub issue recorded; it was never started on GitHub.");
    }
    return number.asLong();
  }
}

package org.metagov.activities.plugins.github;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ClosingTimes;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugin.Schemas;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A vote on an issue the app opens ({@code VOTE: <question>}), with the original gateway's
 * parameters, counted from the issue by a subclass. Closing it posts the result as a comment and
 * closes the issue; an issue closed on GitHub ends the vote. Webhooks about the issue (comments,
 * edits) are hints to re-read it. With {@code max_votes}, a re-read that finds that many people
 * have voted closes the vote as a {@code DELETE} would, and reports it closed.
 *
 * <p>The issue's body carries a hidden tag of the process, so that a start repeated after a crash
 * finds the issue the first attempt opened (among the repository's newest issues) instead of
 * opening another; the result comment carries one too, so that a repeated close does not announce
 * twice.
 */
abstract class IssueVote implements ProcessAdapter {

  /**
   * How far back a repeated start looks for the issue a first attempt opened, and a close for its
   * result comment.
   */
  private static final int RECENT = 30;

  /**
   * The most reactions or comments read (100 a page): a vote with more is counted on its first
   * 5,000.
   */
  static final int MAX_PAGES = 50;

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  static final JsonNode INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "repo_name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$",
                       "description": "The repository (of the installation's account) to open the vote's issue in."},
         "question": {"type": "string", "minLength": 1, "maxLength": 200, "description": "What is voted on; the issue's title is VOTE: and the question."},
         "help_text": {"type": "string", "maxLength": 60000, "description": "Guidance shown above the question (GitHub Markdown)."},
         "max_votes": {"type": "integer", "minimum": 1, "maximum": 100000,
                       "description": "Close the vote (posting the result and closing the issue) once this many people have voted."},
         "closing_at": {"type": "string", "pattern": "%s",
                        "description": "When the vote closes: an ISO-8601 date (start of that day, UTC) or date-time. Without it the vote runs until closed by DELETE or until the issue is closed on GitHub."}
       },
       "required": ["repo_name", "question"],
       "additionalProperties": false}
      """
              .formatted(INSTANT_PATTERN));

  final GitHubPlugin plugin;

  IssueVote(GitHubPlugin plugin) {
    this.plugin = plugin;
  }

  @Override
  public Instant closingAt(JsonNode parameters, Instant now) {
    return ClosingTimes.optional(parameters, now);
  }

  /** The hidden tag of one process in its issue's body. */
  static String processTag(String community, long id) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((community + ":" + id).getBytes(StandardCharsets.UTF_8));
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
    JsonNode recent =
        plugin.installationCall(
            context,
            "GET",
            repo + "/issues?state=all&sort=created&direction=desc&per_page=" + RECENT,
            null);
    for (JsonNode candidate : recent == null ? List.<JsonNode>of() : recent) {
      // Only the app's own issue: anyone who can open issues could copy the tag into one of theirs.
      if (candidate.path("body").asString("").contains(tag)
          && plugin
              .botLogin()
              .equalsIgnoreCase(candidate.path("user").path("login").asString(""))) {
        issue = candidate;
        break;
      }
    }
    if (issue == null) {
      String question = parameters.path("question").asString();
      String help = parameters.path("help_text").asString("");
      ObjectNode create = Json.object();
      create.put("title", "VOTE: " + question);
      create.put(
          "body",
          instructions()
              + "\n\n"
              + (help.isBlank() ? "" : "Additional guidance: " + help + "\n\n")
              + "QUESTION: "
              + question
              + "\n\n"
              + tag);
      issue = plugin.installationCall(context, "POST", repo + "/issues", create);
    }
    return snapshot(context, repo, issue, "closed".equals(issue.path("state").asString()));
  }

  @Override
  public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
    String repo = repository(context, process.parameters().path("repo_name").asString());
    JsonNode issue =
        plugin.installationCall(context, "GET", repo + "/issues/" + issueNumber(process), null);
    ProcessSnapshot current =
        snapshot(context, repo, issue, "closed".equals(issue.path("state").asString()));
    JsonNode maxVotes = process.parameters().path("max_votes");
    if (!current.closed()
        && maxVotes.isIntegralNumber()
        && voters(current.outcome()) >= maxVotes.asLong()) {
      return close(context, process);
    }
    return current;
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
    String resultTag =
        processTag(process.community(), process.id()).replace("metagov-vote:", "metagov-result:");
    JsonNode comments =
        plugin.installationCall(
            context,
            "GET",
            repo
                + "/issues/"
                + number
                + "/comments?per_page="
                + RECENT
                + "&page="
                + Math.max(1, (issue.path("comments").asInt(0) + RECENT - 1) / RECENT),
            null);
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
    return new ProcessSnapshot(
        snapshot.platformState(), outcome, snapshot.url(), true, snapshot.routingKeys());
  }

  /** How to vote, at the top of the issue. */
  abstract String instructions();

  /**
   * Every page of a list GitHub pages (issue reactions, comments), oldest first, up to {@link
   * #MAX_PAGES}.
   */
  final List<JsonNode> all(PluginContext context, String path) {
    List<JsonNode> items = new java.util.ArrayList<>();
    for (int page = 1; page <= MAX_PAGES; page++) {
      JsonNode answer =
          plugin.installationCall(context, "GET", path + "?per_page=100&page=" + page, null);
      if (answer == null || !answer.isArray() || answer.isEmpty()) {
        break;
      }
      answer.forEach(items::add);
      if (answer.size() < 100) {
        break;
      }
    }
    return items;
  }

  /**
   * The people (not bots) in a list of users, as a JSON tally: their logins, sorted, and their
   * count.
   */
  static ObjectNode tally(java.util.Collection<String> users) {
    ObjectNode tally = Json.object();
    tools.jackson.databind.node.ArrayNode list = tally.putArray("users");
    users.stream().sorted().forEach(list::add);
    tally.put("count", users.size());
    return tally;
  }

  static boolean isPerson(JsonNode user) {
    return "User".equals(user.path("type").asString(null)) && user.path("login").isString();
  }

  /** The vote as it stands on the issue. */
  abstract ObjectNode outcome(PluginContext context, String repo, JsonNode issue);

  /**
   * How many people have voted, by an outcome of {@link #outcome}: what {@code max_votes} is
   * compared with.
   */
  abstract int voters(JsonNode outcome);

  /** The comment that announces the result. */
  abstract String resultText(JsonNode outcome);

  private ProcessSnapshot snapshot(
      PluginContext context, String repo, JsonNode issue, boolean closed) {
    long number = issue.path("number").asLong();
    ObjectNode state = Json.object();
    state.put("issue_number", number);
    String fullName = repo.substring("/repos/".length());
    return new ProcessSnapshot(
        state,
        outcome(context, repo, issue),
        issue.path("html_url").asString(null),
        closed,
        List.of(GitHubWebhooks.issueKey(fullName, number)));
  }

  static String repository(PluginContext context, String repoName) {
    String owner = context.configText("owner");
    if (owner == null || repoName == null || repoName.equals(".") || repoName.equals("..")) {
      throw new PlatformException(
          Kind.REJECTED,
          GitHubApi.PLATFORM,
          0,
          "The vote's repository cannot be named from the config and parameters.");
    }
    return "/repos/" + owner + "/" + repoName;
  }

  static long issueNumber(ProcessInstance process) {
    JsonNode number =
        process.platformState() == null ? null : process.platformState().path("issue_number");
    if (number == null || !number.isIntegralNumber()) {
      throw new PlatformException(
          Kind.REJECTED,
          GitHubApi.PLATFORM,
          0,
          "This process has no GitHub issue recorded; it was never started on GitHub.");
    }
    return number.asLong();
  }
}

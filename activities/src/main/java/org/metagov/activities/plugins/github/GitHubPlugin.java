package org.metagov.activities.plugins.github;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookSignatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * GitHub, as an installed app: the deployment's GitHub App ({@link GitHubProperties}) is installed
 * into a user or organisation account ({@code /auth/github/authorize}), which stores the
 * installation as the community's config. Every installation's webhooks arrive at {@code
 * /api/hooks/github} and are routed by {@code installation.id}. The plugin holds no long-lived
 * token: it mints installation tokens with the app's JWT and keeps them in memory until shortly
 * before they expire.
 *
 * <p>Actions: {@code get-installation}, {@code create-issue} and {@code method} (allow-listed
 * routes). Process: {@code issue-react-vote} and {@code issue-comment-vote}. Events: every webhook
 * the app subscribes to, as {@code "<action> <event>"}. Disabling the plugin uninstalls the app
 * from the account.
 *
 * <p>An installation can be suspended (by an owner of the account or of the app) and unsuspended. A
 * suspension is not an uninstall: the community keeps its config, the Driver is told by the events
 * {@code "suspend installation"} and {@code "unsuspend installation"}, and meanwhile every action
 * answers that the app is suspended (a 403 from GitHub, which open votes ride out as any refused
 * credential) instead of failing obscurely.
 */
@Component
public class GitHubPlugin implements Plugin {

  private static final Logger log = LoggerFactory.getLogger(GitHubPlugin.class);

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "installation_id": {"type": "string", "pattern": "^[1-9][0-9]{0,18}$",
                             "description": "The GitHub App installation. Set by the install flow."},
         "owner": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$", "description": "The account (user or organisation) the app is installed in."},
         "owner_type": {"type": "string", "maxLength": 40, "description": "User or Organization."},
         "installation_proof": {"type": "string", "pattern": "^[0-9a-f]{64}$", "writeOnly": true,
                                "description": "Proves that the install flow chose installation_id. Set by the install flow."}
       },
       "required": ["installation_id", "owner", "installation_proof"],
       "additionalProperties": false}
      """);

  private static final JsonNode NO_INPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {}, "additionalProperties": false}
      """);

  private static final JsonNode CREATE_ISSUE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "repo_name": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,100}$",
                       "description": "A repository of the installation's account (its name, without the owner)."},
         "title": {"type": "string", "minLength": 1, "maxLength": 256},
         "body": {"type": "string", "maxLength": 65536, "description": "The issue's text (GitHub Markdown)."},
         "labels": {"type": "array", "maxItems": 100, "items": {"type": "string", "minLength": 1, "maxLength": 100}},
         "assignees": {"type": "array", "maxItems": 10, "items": {"type": "string", "minLength": 1, "maxLength": 39}}
       },
       "required": ["repo_name", "title"],
       "additionalProperties": false}
      """);

  /**
   * What the {@code method} action may call, always as the installation and only in its own
   * account: a repository itself and these parts of it, the organisation's members and teams, and
   * the installation's repositories. Not webhooks, deploy keys, secrets, Actions or settings, which
   * a Driver should not reach through governance calls.
   */
  static final Set<String> REPOSITORY_FAMILIES =
      Set.of(
          "issues",
          "pulls",
          "labels",
          "milestones",
          "contents",
          "readme",
          "commits",
          "branches",
          "tags",
          "releases",
          "collaborators",
          "contributors",
          "compare",
          "languages");

  static final Set<String> ORGANISATION_FAMILIES = Set.of("members", "teams");

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~%+-]{1,200}");
  private static final Pattern QUERY = Pattern.compile("[A-Za-z0-9._~%+=&,-]{0,500}");
  private static final Pattern ROUTE =
      Pattern.compile("/(repos|orgs)/([^/?]+)(?:/([^/?]+))?(?:/([^/?]+))?[^?]*(?:\\?(.*))?");

  private static final JsonNode METHOD_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "route": {"type": "string", "minLength": 1, "maxLength": 1000,
                   "description": "A REST API path in the installation's account, with an optional query: /repos/{owner}/{repo} and its issues, pulls, labels, milestones, contents, readme, commits, branches, tags, releases, collaborators, contributors, compare and languages; /orgs/{owner}/members and /orgs/{owner}/teams; /installation/repositories."},
         "method": {"type": "string", "enum": ["GET", "POST", "PATCH", "PUT", "DELETE"], "default": "GET"},
         "body": {"type": "object", "description": "The JSON body, for POST, PATCH and PUT."}
       },
       "required": ["route"],
       "additionalProperties": false}
      """);

  private static final JsonNode GITHUB_ANSWER =
      Schemas.schema(
          """
      {"type": "object", "description": "GitHub's answer, as its REST API gives it."}
      """);

  private final GitHubProperties properties;
  private final AppJwt jwt;
  private final GitHubApp app;
  private final GitHubWebhooks webhooks;
  private final InstallationTokens tokens;
  private final IssueReactVote issueReactVote = new IssueReactVote(this);
  private final IssueCommentVote issueCommentVote = new IssueCommentVote(this);

  @Autowired
  public GitHubPlugin(GitHubProperties properties) {
    this(properties, Clock.systemUTC());
  }

  /**
   * @param clock the clock JWTs are issued by and installation tokens judged against
   */
  public GitHubPlugin(GitHubProperties properties, Clock clock) {
    this.properties = properties;
    this.jwt = new AppJwt(properties, clock);
    this.app = new GitHubApp(properties, jwt);
    this.webhooks = new GitHubWebhooks(properties);
    this.tokens = new InstallationTokens(properties, jwt, clock);
  }

  @Override
  public String name() {
    return "github";
  }

  @Override
  public String description() {
    return "GitHub (installed app): issues through the installation; repository and organisation events.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "get-installation",
            "Read the app's installation (account, permissions, events) as GitHub has it.",
            NO_INPUT,
            GITHUB_ANSWER,
            this::getInstallation),
        new ActionSpec(
            "create-issue",
            "Open an issue in a repository of the installation's account.",
            CREATE_ISSUE_INPUT,
            GITHUB_ANSWER,
            this::createIssue),
        new ActionSpec(
            "method",
            "Call a GitHub REST API route from the allow-list, in the installation's account, with an"
                + " installation token.",
            METHOD_INPUT,
            GITHUB_ANSWER,
            this::method));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "issue-react-vote",
            "A vote on an issue the app opens: people react 👍 (yes) or 👎 (no)"
                + " to it. It closes at closing_at if given, when closed early by DELETE (which posts the result and closes the"
                + " issue), once max_votes people have voted (found at the next reconciliation, since GitHub sends no webhook"
                + " for reactions, or at a comment on the issue), or when the issue is closed on GitHub.",
            IssueVote.INPUT,
            IssueReactVote.OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            issueReactVote),
        new ProcessSpec(
            "issue-comment-vote",
            "A vote on an issue the app opens: people comment with their choice between"
                + " ^^^^ marks; each person's first choice counts. It closes at closing_at if given, when closed early by DELETE"
                + " (which posts the result and closes the issue), once max_votes people have voted, or when the issue is"
                + " closed on GitHub.",
            IssueVote.INPUT,
            IssueCommentVote.OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            issueCommentVote));
  }

  /**
   * Webhooks as the Driver receives them: {@code "<action> <event>"}, or the event alone when it
   * has no action.
   */
  @Override
  public List<String> eventTypes() {
    return List.of(
        "opened issues",
        "edited issues",
        "closed issues",
        "reopened issues",
        "labeled issues",
        "unlabeled issues",
        "assigned issues",
        "created issue_comment",
        "edited issue_comment",
        "deleted issue_comment",
        "opened pull_request",
        "closed pull_request",
        "synchronize pull_request",
        "push",
        "created installation",
        "deleted installation",
        "suspend installation",
        "unsuspend installation");
  }

  @Override
  public InstalledApp installedApp() {
    return app;
  }

  @Override
  public WebhookHandler webhookHandler() {
    return webhooks;
  }

  /**
   * Refuses a config whose installation the install flow did not choose (see {@link GitHubApp}), so
   * that a Driver cannot bind an account by writing its installation id by hand.
   */
  @Override
  public void onEnable(PluginContext context, String webhookUrl) {
    String installationId = context.configText(GitHubApp.INSTALLATION_ID);
    String proof = context.configText(GitHubApp.INSTALLATION_PROOF);
    if (installationId == null
        || proof == null
        || properties.webhookSecret() == null
        || properties.webhookSecret().isBlank()
        || !WebhookSignatures.matches(app.proof(installationId), proof)) {
      throw InvalidInputException.of(
          "config.installation_proof",
          "does not prove the installation; install the GitHub App through /auth/github/authorize");
    }
  }

  /**
   * Uninstalls the app from the account. An installation GitHub no longer knows counts as
   * uninstalled.
   */
  @Override
  public void onDisable(PluginContext context) {
    String installationId = context.configText(GitHubApp.INSTALLATION_ID);
    if (installationId == null) {
      return;
    }
    InstallationTokens.requireId(installationId);
    try {
      GitHubApi.call(
          context.http(),
          properties.apiBaseUrl(),
          jwt.token(),
          "DELETE",
          "/app/installations/" + installationId,
          null);
    } catch (PlatformException e) {
      if (e.platformStatus() == 404) {
        log.info("The GitHub installation of {} was already removed.", context.community());
        return;
      }
      throw e;
    }
  }

  private JsonNode getInstallation(PluginContext context, JsonNode parameters) {
    String installationId = context.configText(GitHubApp.INSTALLATION_ID);
    InstallationTokens.requireId(installationId);
    return GitHubApi.call(
        context.http(),
        properties.apiBaseUrl(),
        jwt.token(),
        "GET",
        "/app/installations/" + installationId,
        null);
  }

  private JsonNode createIssue(PluginContext context, JsonNode parameters) {
    String repo = parameters.path("repo_name").asString("");
    if (repo.equals(".") || repo.equals("..")) {
      throw InvalidInputException.of("repo_name", "is not a repository name");
    }
    ObjectNode issue = (ObjectNode) parameters.deepCopy();
    issue.remove("repo_name");
    return installationCall(
        context, "POST", "/repos/" + context.configText("owner") + "/" + repo + "/issues", issue);
  }

  private JsonNode method(PluginContext context, JsonNode parameters) {
    String route = parameters.path("route").asString("");
    String method = parameters.path("method").asString("GET");
    if (!allowed(method, route, context.configText("owner"))) {
      throw InvalidInputException.of(
          "route",
          "is not a route this action may call: it must be in the installation's"
              + " account ("
              + context.configText("owner")
              + ") and on the allow-list (see the action's schema)");
    }
    JsonNode body = parameters.get("body");
    JsonNode answer =
        installationCall(
            context, method, route, "GET".equals(method) || "DELETE".equals(method) ? null : body);
    if (answer == null || answer.isObject()) {
      return answer == null ? Json.object() : answer;
    }
    // A list (issues, members...) is wrapped, since an action answers an object.
    ObjectNode wrapped = Json.object();
    wrapped.set("items", answer);
    return wrapped;
  }

  /**
   * Whether the {@code method} action may call a route for an installation in {@code owner}'s
   * account. The repository itself may only be read: changing or deleting it is not governance
   * through this action.
   */
  static boolean allowed(String method, String route, String owner) {
    if (route.contains("..") || route.contains("//") || route.contains("\\") || owner == null) {
      return false;
    }
    int query = route.indexOf('?');
    String path = query < 0 ? route : route.substring(0, query);
    if (query >= 0 && !QUERY.matcher(route.substring(query + 1)).matches()) {
      return false;
    }
    String[] segments = path.split("/", -1);
    for (int i = 1; i < segments.length; i++) {
      if (!SEGMENT.matcher(segments[i]).matches()) {
        return false;
      }
    }
    if (path.equals("/installation/repositories")) {
      return true;
    }
    Matcher matcher = ROUTE.matcher(path);
    if (!matcher.matches()
        || !matcher.group(2).toLowerCase(Locale.ROOT).equals(owner.toLowerCase(Locale.ROOT))) {
      return false;
    }
    if (matcher.group(1).equals("orgs")) {
      return matcher.group(3) != null && ORGANISATION_FAMILIES.contains(matcher.group(3));
    }
    if (matcher.group(3) == null) {
      return false;
    }
    return matcher.group(4) == null
        ? "GET".equals(method)
        : REPOSITORY_FAMILIES.contains(matcher.group(4));
  }

  /** The login of the app's bot user, which authors what the app writes. */
  String botLogin() {
    return properties.slug() + "[bot]";
  }

  /**
   * Calls the API as the installation. A token GitHub refuses with 401 (revoked, or cached past a
   * suspension) is dropped and the call made once more with a fresh one. A suspended installation
   * fails every call with {@link InstallationTokens#suspension}, a 403 that says so.
   */
  JsonNode installationCall(PluginContext context, String method, String path, JsonNode body) {
    String installationId = context.configText(GitHubApp.INSTALLATION_ID);
    String token = tokens.token(context.http(), installationId);
    try {
      return GitHubApi.call(context.http(), properties.apiBaseUrl(), token, method, path, body);
    } catch (PlatformException e) {
      if (InstallationTokens.suspended(e)) {
        tokens.forget(installationId, token);
        throw InstallationTokens.suspension(installationId, e);
      }
      if (e.platformStatus() != 401) {
        throw e;
      }
      tokens.forget(installationId, token);
      return GitHubApi.call(
          context.http(),
          properties.apiBaseUrl(),
          tokens.token(context.http(), installationId),
          method,
          path,
          body);
    }
  }
}

package org.metagov.activities.plugins.slack;

import java.time.Clock;
import java.util.List;
import java.util.Set;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Slack, as an installed app: the deployment's Slack app ({@link SlackProperties}) is installed
 * into a workspace by OAuth ({@code /auth/slack/authorize}), which stores the workspace's bot token
 * as the community's config; a Driver may also set that config by hand. Every workspace's Events
 * API callbacks and button presses arrive at {@code /api/hooks/slack} and are routed by {@code
 * team_id}.
 *
 * <p>Actions: {@code post-message} and {@code method}, which calls a Web API method from an
 * allow-list (below), not any method: the bot token may do more than a Driver should, such as
 * revoking itself. Processes: {@code emoji-vote} and {@code advanced-vote}, votes cast with buttons
 * and menus on a message. Events: those the app subscribes to (see {@link #eventTypes()}), with
 * {@code initiator.is_metagov_bot} telling the bot's own. Disabling the plugin (or an uninstall
 * seen by Metagov) revokes the bot token with {@code auth.revoke}.
 */
@Component
public class SlackPlugin implements Plugin {

  private static final Logger log = LoggerFactory.getLogger(SlackPlugin.class);

  /**
   * The Web API methods the {@code method} action may call: reading and writing messages,
   * conversations, pins, reactions and user groups, and reading users, the team and its emoji. Not
   * the {@code admin.*}, {@code auth.*}, {@code oauth.*} or {@code apps.*} families, nor anything
   * that changes the app's own tokens.
   */
  static final List<String> METHOD_FAMILIES =
      List.of("chat.", "conversations.", "pins.", "reactions.", "usergroups.");

  static final Set<String> METHODS =
      Set.of("users.info", "users.list", "users.lookupByEmail", "team.info", "emoji.list");

  private static final Pattern METHOD_NAME = Pattern.compile("[a-z]+(\\.[A-Za-z]+){1,3}");

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "team_id": {"type": "string", "pattern": "^T[A-Z0-9]{2,30}$",
                     "description": "The Slack workspace (team) id. Set by the install flow."},
         "team_name": {"type": "string", "maxLength": 200, "description": "The workspace's name. Set by the install flow."},
         "bot_user_id": {"type": "string", "pattern": "^[UWB][A-Z0-9]{2,30}$",
                         "description": "The app's bot user in the workspace; events it caused have initiator.is_metagov_bot true."},
         "bot_token": {"type": "string", "pattern": "^xoxb-", "maxLength": 500, "writeOnly": true,
                       "description": "The workspace's bot token (xoxb-...). Set by the install flow."},
         "installer_user_id": {"type": "string", "maxLength": 40, "description": "The Slack user who installed the app."}
       },
       "required": ["team_id", "bot_token"],
       "additionalProperties": false}
      """);

  private static final String USER_IDS =
      """
      {"type": "array", "maxItems": 1000, "uniqueItems": true,
       "items": {"type": "string", "pattern": "^[UW][A-Z0-9]{2,30}$"}}""";

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  private static final String VOTE_COMMON =
      """
         "title": {"type": "string", "minLength": 1, "maxLength": 150, "description": "The question, shown in bold."},
         "details": {"type": "string", "maxLength": 2000, "description": "Text under the title (Slack mrkdwn)."},
         "channel": {"type": "string", "minLength": 1, "maxLength": 80,
                     "description": "The channel to post the vote in (an id such as C0123ABCD). Without it, the vote is posted in a group conversation with the eligible_voters."},
         "eligible_voters": %1$s,
         "ineligible_voters": %1$s,
         "ineligible_voter_message": {"type": "string", "minLength": 1, "maxLength": 1000,
                                      "default": "You are not eligible to vote in this poll.",
                                      "description": "What an ineligible voter is told (only they see it) when they vote."},
         "closing_at": {"type": "string", "pattern": "%2$s",
                        "description": "When the vote closes: an ISO-8601 date (start of that day, UTC) or date-time. Without it the vote runs until closed by DELETE."}
      """
          .formatted(
              USER_IDS.replace(
                  "\"type\": \"array\"",
                  "\"type\": \"array\", \"description\": \"Slack user ids.\""),
              INSTANT_PATTERN);

  private static final JsonNode EMOJI_VOTE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         %s,
         "poll_type": {"type": "string", "enum": ["boolean", "choice"],
                       "description": "boolean: Approve or Reject (outcome keys yes and no); choice: one of the options."},
         "options": {"type": "array", "minItems": 2, "maxItems": 10, "uniqueItems": true,
                     "items": {"type": "string", "minLength": 1, "maxLength": 150},
                     "description": "The options of a choice vote (ignored for boolean), one emoji button each."},
         "emoji_family": {"type": "string", "enum": ["numbers", "flowers", "hearts"], "default": "numbers",
                          "description": "The emoji on a choice vote's buttons: numbers has 10, flowers 8, hearts 7."}
       },
       "required": ["title", "poll_type"],
       "additionalProperties": false}
      """
              .formatted(VOTE_COMMON));

  private static final JsonNode ADVANCED_VOTE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         %s,
         "candidates": {"type": "array", "minItems": 1, "maxItems": 45, "uniqueItems": true,
                        "items": {"type": "string", "minLength": 1, "maxLength": 150},
                        "description": "What is voted on; each gets a menu of the options."},
         "options": {"type": "array", "minItems": 1, "maxItems": 100, "uniqueItems": true,
                     "items": {"type": "string", "minLength": 1, "maxLength": 75},
                     "description": "The choices offered for every candidate."}
       },
       "required": ["title", "candidates", "options"],
       "additionalProperties": false}
      """
              .formatted(VOTE_COMMON));

  private static final JsonNode EMOJI_VOTE_OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "votes": {"type": "object", "description": "Option (yes and no for a boolean vote) to its voters and their count.",
                   "additionalProperties": {"type": "object", "properties": {
                     "users": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}},
         "channel": {"type": "string"},
         "message_ts": {"type": "string"}
       }}
      """);

  private static final JsonNode ADVANCED_VOTE_OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "votes": {"type": "object", "description": "Voter to their choice for each candidate they voted on.",
                   "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}},
         "channel": {"type": "string"},
         "message_ts": {"type": "string"}
       }}
      """);

  private static final JsonNode POST_MESSAGE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "channel": {"type": "string", "minLength": 1, "maxLength": 80, "description": "The channel (or user id, for a direct message) to post in."},
         "users": {"type": "array", "minItems": 1, "maxItems": 8, "uniqueItems": true,
                   "items": {"type": "string", "pattern": "^[UW][A-Z0-9]{2,30}$"},
                   "description": "Without channel: post in a direct (or group) conversation with these users."},
         "text": {"type": "string", "maxLength": 40000},
         "blocks": {"type": ["array", "string"], "description": "Block Kit blocks (an array, or its JSON text)."}
       },
       "additionalProperties": true,
       "description": "Every chat.postMessage argument is accepted (text, blocks, attachments, thread_ts, ...) except token."}
      """);

  private static final JsonNode METHOD_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "method_name": {"type": "string", "maxLength": 100,
                         "description": "A Web API method on the allow-list: chat.*, conversations.*, pins.*, reactions.*, usergroups.*, users.info, users.list, users.lookupByEmail, team.info, emoji.list."}
       },
       "required": ["method_name"],
       "additionalProperties": true,
       "description": "The method's arguments go beside method_name (except token: the installation's bot token is used)."}
      """);

  private static final JsonNode SLACK_ANSWER =
      Schemas.schema(
          """
      {"type": "object", "description": "Slack's answer to the method, without its ok field."}
      """);

  private final SlackProperties properties;
  private final SlackApp app;
  private final SlackWebhooks webhooks;
  private final EmojiVote emojiVote = new EmojiVote(this::api);
  private final AdvancedVote advancedVote = new AdvancedVote(this::api);

  @Autowired
  public SlackPlugin(SlackProperties properties) {
    this(properties, Clock.systemUTC());
  }

  /**
   * @param clock the clock request timestamps are checked against
   */
  public SlackPlugin(SlackProperties properties, Clock clock) {
    this.properties = properties;
    this.app = new SlackApp(properties);
    this.webhooks = new SlackWebhooks(properties, clock);
  }

  @Override
  public String name() {
    return "slack";
  }

  @Override
  public String description() {
    return "Slack (installed app): votes with buttons and menus on a message; messages and Web API methods; workspace events.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "post-message",
            "Post a message in a channel, or in a direct or group conversation with users."
                + " Accepts every chat.postMessage argument.",
            POST_MESSAGE_INPUT,
            SLACK_ANSWER,
            this::postMessage),
        new ActionSpec(
            "method",
            "Call a Slack Web API method from the allow-list with the installation's bot token;"
                + " a call refused with not_in_channel joins the channel and is tried once more.",
            METHOD_INPUT,
            SLACK_ANSWER,
            this::method));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "emoji-vote",
            "A vote on a message with a button per option (Approve and Reject, or emoji);"
                + " each voter's last press counts, and the message shows live counts. It closes at closing_at if given, or"
                + " when closed early by DELETE.",
            EMOJI_VOTE_INPUT,
            EMOJI_VOTE_OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            emojiVote),
        new ProcessSpec(
            "advanced-vote",
            "A vote on several candidates, with a menu of the same options for each;"
                + " each voter's last choice per candidate counts. It closes at closing_at if given, or when closed early by"
                + " DELETE.",
            ADVANCED_VOTE_INPUT,
            ADVANCED_VOTE_OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            advancedVote));
  }

  /**
   * The Events API events the app subscribes to (its configuration's bot events), as the Driver
   * receives them: the inner event's type, its {@code user} as the initiator and the rest as data.
   */
  @Override
  public List<String> eventTypes() {
    return List.of(
        "message",
        "app_mention",
        "reaction_added",
        "reaction_removed",
        "member_joined_channel",
        "member_left_channel",
        "channel_created",
        "channel_rename",
        "channel_archive",
        "channel_unarchive",
        "channel_deleted",
        "pin_added",
        "pin_removed",
        "team_join",
        "user_change",
        "app_home_opened",
        "app_uninstalled",
        "tokens_revoked");
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
   * Revokes the bot token, which uninstalls the app from the workspace when it was the app's last
   * token. A token that no longer works counts as revoked.
   */
  @Override
  public void onDisable(PluginContext context) {
    if (context.configText("bot_token") == null) {
      return;
    }
    try {
      api(context).call("auth.revoke", Json.object());
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.REJECTED
          && SlackApi.TOKEN_DEAD.contains(SlackApi.error(e))) {
        log.info(
            "The Slack bot token of {} was already revoked ({}).",
            context.community(),
            SlackApi.error(e));
        return;
      }
      throw e;
    }
  }

  SlackApi api(PluginContext context) {
    return new SlackApi(context.http(), properties.apiBaseUrl(), context.configText("bot_token"));
  }

  private JsonNode postMessage(PluginContext context, JsonNode parameters) {
    refuseToken(parameters);
    SlackApi api = api(context);
    ObjectNode message = (ObjectNode) parameters.deepCopy();
    JsonNode users = message.remove("users");
    String channel = message.path("channel").asString("");
    if (channel.isBlank()) {
      if (users == null || users.isEmpty()) {
        throw InvalidInputException.of("channel", "is required unless users is given");
      }
      ObjectNode open = Json.object();
      open.set("users", users);
      message.put(
          "channel", api.call("conversations.open", open).path("channel").path("id").asString());
    }
    if (!message.has("text") && !message.has("blocks") && !message.has("attachments")) {
      throw InvalidInputException.of("text", "is required unless blocks or attachments are given");
    }
    return withoutOk(api.call("chat.postMessage", message));
  }

  private JsonNode method(PluginContext context, JsonNode parameters) {
    refuseToken(parameters);
    String method = parameters.path("method_name").asString("");
    if (!METHOD_NAME.matcher(method).matches() || !allowed(method)) {
      throw InvalidInputException.of(
          "method_name",
          "is not a Web API method this action may call; allowed are "
              + String.join(", ", METHOD_FAMILIES.stream().map(f -> f + "*").toList())
              + ", "
              + String.join(", ", METHODS.stream().sorted().toList()));
    }
    ObjectNode arguments = (ObjectNode) parameters.deepCopy();
    arguments.remove("method_name");
    return withoutOk(callJoiningIfNeeded(api(context), method, arguments));
  }

  static boolean allowed(String method) {
    return METHODS.contains(method) || METHOD_FAMILIES.stream().anyMatch(method::startsWith);
  }

  /**
   * Calls a method; when Slack refuses it because the bot is not in the channel, joins the channel
   * and tries once more (the bot must be a member to react, pin or read history in a public
   * channel).
   */
  static JsonNode callJoiningIfNeeded(SlackApi api, String method, JsonNode arguments) {
    try {
      return api.call(method, arguments);
    } catch (PlatformException e) {
      String channel = arguments.path("channel").asString("");
      if (!"not_in_channel".equals(SlackApi.error(e)) || channel.isBlank()) {
        throw e;
      }
      ObjectNode join = Json.object();
      join.put("channel", channel);
      api.call("conversations.join", join);
      return api.call(method, arguments);
    }
  }

  private static void refuseToken(JsonNode parameters) {
    if (parameters.has("token")) {
      throw InvalidInputException.of(
          "token", "must not be given: calls use the installation's bot token");
    }
  }

  private static JsonNode withoutOk(JsonNode answer) {
    ObjectNode result = (ObjectNode) answer.deepCopy();
    result.remove("ok");
    return result;
  }
}

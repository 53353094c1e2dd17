package org.metagov.activities.plugins.discord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Discord, as an installed app: the deployment's Discord application ({@link DiscordProperties})
 * adds its bot to a guild by OAuth2 ({@code /auth/discord/authorize}), which stores the guild as
 * the community's config. Every guild's interactions arrive at {@code /api/hooks/discord} (the
 * application's Interactions Endpoint URL) and are routed by {@code guild_id}. The bot token is the
 * deployment's; every call stays within the community's own guild.
 *
 * <p>Actions: {@code post-message}, {@code get-guild}, {@code register-guild-command} and {@code
 * method} (allow-listed routes). Process: {@code vote}, with a button per option. Events: {@code
 * slash_command}, the gateway's name for a slash command invoked in the guild. Disabling the plugin
 * makes the bot leave the guild.
 */
@Component
public class DiscordPlugin implements Plugin {

  private static final Logger log = LoggerFactory.getLogger(DiscordPlugin.class);

  private static final String SNOWFLAKE = "^[1-9][0-9]{5,19}$";

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "guild_id": {"type": "string", "pattern": "%1$s", "description": "The Discord guild (server) id. Set by the install flow."},
         "guild_name": {"type": "string", "maxLength": 200, "description": "The guild's name. Set by the install flow."},
         "installation_proof": {"type": "string", "pattern": "^[0-9a-f]{64}$", "writeOnly": true,
                                "description": "Proves that the install flow chose guild_id. Set by the install flow."}
       },
       "required": ["guild_id", "installation_proof"],
       "additionalProperties": false}
      """
              .formatted(SNOWFLAKE));

  private static final String USER_IDS =
      """
      {"type": "array", "maxItems": 1000, "uniqueItems": true, "description": "Discord user ids.",
       "items": {"type": "string", "pattern": "%s"}}"""
          .formatted(SNOWFLAKE);

  private static final String INSTANT_PATTERN =
      "^\\\\d{4}-\\\\d{2}-\\\\d{2}([Tt ]\\\\d{2}:\\\\d{2}(:\\\\d{2}(\\\\.\\\\d+)?)?([Zz]|[+-]\\\\d{2}:?\\\\d{2})?)?$";

  private static final JsonNode VOTE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "title": {"type": "string", "minLength": 1, "maxLength": 200, "description": "The question, shown in bold."},
         "details": {"type": "string", "maxLength": 1500, "description": "Text under the title (Discord Markdown)."},
         "poll_type": {"type": "string", "enum": ["boolean", "choice"],
                       "description": "boolean: Approve or Reject (outcome keys yes and no); choice: one of the options."},
         "options": {"type": "array", "minItems": 2, "maxItems": 25, "uniqueItems": true,
                     "items": {"type": "string", "minLength": 1, "maxLength": 80},
                     "description": "The options of a choice vote (ignored for boolean), one button each."},
         "channel": {"type": "string", "pattern": "%1$s", "description": "The channel of the guild to post the vote in (its id)."},
         "eligible_voters": %2$s,
         "ineligible_voters": %2$s,
         "ineligible_voter_message": {"type": "string", "minLength": 1, "maxLength": 2000,
                                      "default": "You are not eligible to vote in this poll.",
                                      "description": "What an ineligible voter is told (only they see it) when they vote."},
         "closing_at": {"type": "string", "pattern": "%3$s",
                        "description": "When the vote closes: an ISO-8601 date (start of that day, UTC) or date-time. Without it the vote runs until closed by DELETE."}
       },
       "required": ["title", "poll_type", "channel"],
       "additionalProperties": false}
      """
              .formatted(SNOWFLAKE, USER_IDS, INSTANT_PATTERN));

  private static final JsonNode VOTE_OUTCOME =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "votes": {"type": "object", "description": "Option (yes and no for a boolean vote) to its voters and their count.",
                   "additionalProperties": {"type": "object", "properties": {
                     "users": {"type": "array", "items": {"type": "string"}}, "count": {"type": "integer"}}}},
         "channel": {"type": "string"},
         "message_id": {"type": "string"}
       }}
      """);

  private static final JsonNode POST_MESSAGE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "channel": {"type": "string", "pattern": "%s", "description": "A channel of the guild (its id)."},
         "text": {"type": "string", "minLength": 1, "maxLength": 2000, "description": "The message's content."}
       },
       "required": ["channel"],
       "additionalProperties": true,
       "description": "Every Create Message field is accepted beside channel and text (embeds, components, allowed_mentions, message_reference, ...)."}
      """
              .formatted(SNOWFLAKE));

  private static final JsonNode NO_INPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {}, "additionalProperties": false}
      """);

  private static final JsonNode REGISTER_COMMAND_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "name": {"type": "string", "pattern": "^[-_\\\\p{L}\\\\p{N}]{1,32}$", "description": "The command's name (lower case for slash commands)."},
         "description": {"type": "string", "minLength": 1, "maxLength": 100},
         "command_id": {"type": "string", "pattern": "%s", "description": "The command to update; without it the command is created (or replaced, if one has the same name)."},
         "options": {"type": "array", "maxItems": 25, "items": {"type": "object"}, "description": "The command's parameters, as Discord defines them."}
       },
       "required": ["name"],
       "additionalProperties": true,
       "description": "Every application command field is accepted (type, default_member_permissions, nsfw, ...)."}
      """
              .formatted(SNOWFLAKE));

  private static final JsonNode METHOD_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "route": {"type": "string", "minLength": 1, "maxLength": 1000,
                   "description": "A REST API path (under /api/v10) in the installation's guild, with an optional query: /guilds/{guild} and its channels, members, roles, emojis, scheduled-events, threads and preview; /channels/{channel} of the guild and its messages, pins, threads, thread-members and typing; /applications/{application}/guilds/{guild}/commands."},
         "method": {"type": "string", "enum": ["GET", "POST", "PATCH", "PUT", "DELETE"], "default": "GET"},
         "body": {"type": "object", "description": "The JSON body, for POST, PATCH and PUT."}
       },
       "required": ["route"],
       "additionalProperties": false}
      """);

  private static final JsonNode DISCORD_ANSWER =
      Schemas.schema(
          """
      {"type": "object", "description": "Discord's answer, as its REST API gives it (a list is wrapped in items)."}
      """);

  /**
   * What the {@code method} action may reach below a guild or a channel of it. Not bans, prunes,
   * webhooks, integrations, invites or the audit log, nor changing or deleting the guild or a
   * channel itself.
   */
  static final Set<String> GUILD_FAMILIES =
      Set.of("channels", "members", "roles", "emojis", "scheduled-events", "threads", "preview");

  static final Set<String> CHANNEL_FAMILIES =
      Set.of("messages", "pins", "threads", "thread-members", "typing");

  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._~%@-]{1,200}");
  private static final Pattern QUERY = Pattern.compile("[A-Za-z0-9._~%+=&,-]{0,500}");
  private static final Pattern GUILD_ROUTE = Pattern.compile("/guilds/([0-9]+)(?:/([^/]+))?(/.*)?");
  private static final Pattern CHANNEL_ROUTE =
      Pattern.compile("/channels/([0-9]+)(?:/([^/]+))?(/.*)?");
  private static final Pattern COMMAND_ROUTE =
      Pattern.compile("/applications/([0-9]+)/guilds/([0-9]+)/commands(/.*)?");
  private static final Pattern SNOWFLAKE_ID = Pattern.compile(SNOWFLAKE);

  private final DiscordProperties properties;
  private final DiscordApp app;
  private final DiscordInteractions interactions;
  private final DiscordVote vote = new DiscordVote(this);

  @Autowired
  public DiscordPlugin(DiscordProperties properties) {
    this(properties, Clock.systemUTC());
  }

  /**
   * @param clock the clock interaction timestamps are checked against
   */
  public DiscordPlugin(DiscordProperties properties, Clock clock) {
    this.properties = properties;
    this.app = new DiscordApp(properties);
    this.interactions = new DiscordInteractions(properties, clock);
  }

  @Override
  public String name() {
    return "discord";
  }

  @Override
  public String description() {
    return "Discord (installed app): votes with buttons on a message; messages, guild commands and REST routes in the guild; slash commands as events.";
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
            "Post a message in a channel of the guild. Accepts every Create Message field.",
            POST_MESSAGE_INPUT,
            DISCORD_ANSWER,
            this::postMessage),
        new ActionSpec(
            "get-guild",
            "Read the guild as Discord has it.",
            NO_INPUT,
            DISCORD_ANSWER,
            this::getGuild),
        new ActionSpec(
            "register-guild-command",
            "Register a command in the guild (or update one, with command_id); its"
                + " invocations reach the Driver as slash_command events.",
            REGISTER_COMMAND_INPUT,
            DISCORD_ANSWER,
            this::registerGuildCommand),
        new ActionSpec(
            "method",
            "Call a Discord REST API route from the allow-list, in the installation's guild, as the bot.",
            METHOD_INPUT,
            DISCORD_ANSWER,
            this::method));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "vote",
            "A vote on a message with a button per option (Approve and Reject, or the"
                + " options); each eligible voter's last press counts, and the message shows the tally. It closes at closing_at"
                + " if given, or when closed early by DELETE; closing disables the buttons.",
            VOTE_INPUT,
            VOTE_OUTCOME,
            true,
            ProcessSpec.Reconciliation.PERIODIC,
            vote));
  }

  /** Slash commands invoked in the guild, with the interaction (without its token) as data. */
  @Override
  public List<String> eventTypes() {
    return List.of(DiscordInteractions.SLASH_COMMAND);
  }

  @Override
  public InstalledApp installedApp() {
    return app;
  }

  @Override
  public WebhookHandler webhookHandler() {
    return interactions;
  }

  /**
   * Refuses a config whose guild the install flow did not choose (see {@link DiscordApp}), so that
   * a Driver cannot reach another guild the bot is in by writing its id by hand.
   */
  @Override
  public void onEnable(PluginContext context, String webhookUrl) {
    String guildId = context.configText(DiscordApp.GUILD_ID);
    String proof = context.configText(DiscordApp.INSTALLATION_PROOF);
    if (guildId == null
        || proof == null
        || properties.clientSecret() == null
        || properties.clientSecret().isBlank()
        || !MessageDigest.isEqual(
            app.proof(guildId).getBytes(StandardCharsets.US_ASCII),
            proof.getBytes(StandardCharsets.US_ASCII))) {
      throw InvalidInputException.of(
          "config.installation_proof",
          "does not prove the installation; add the Discord bot through /auth/discord/authorize");
    }
  }

  /** Makes the bot leave the guild. A guild the bot is no longer in counts as left. */
  @Override
  public void onDisable(PluginContext context) {
    String guildId = context.configText(DiscordApp.GUILD_ID);
    if (guildId == null || !SNOWFLAKE_ID.matcher(guildId).matches()) {
      return;
    }
    try {
      api(context).bot("DELETE", "/users/@me/guilds/" + guildId, null);
    } catch (PlatformException e) {
      if (e.platformStatus() == 404 || DiscordApi.code(e) == DiscordApi.UNKNOWN_GUILD) {
        log.info("The Discord bot had already left the guild of {}.", context.community());
        return;
      }
      throw e;
    }
  }

  DiscordApi api(PluginContext context) {
    return new DiscordApi(context.http(), properties);
  }

  /** Where people see a message of the community's guild. */
  String messageUrl(PluginContext context, String channel, String messageId) {
    return properties.webBaseUrl().replaceAll("/+$", "")
        + "/channels/"
        + context.configText(DiscordApp.GUILD_ID)
        + "/"
        + channel
        + "/"
        + messageId;
  }

  /**
   * Checks that a channel (or thread) is in the community's guild: the bot is in many guilds, and a
   * Driver must reach only its own.
   */
  void requireOwnChannel(PluginContext context, String channel) {
    if (channel == null || !SNOWFLAKE_ID.matcher(channel).matches()) {
      throw InvalidInputException.of("channel", "is not a Discord channel id");
    }
    JsonNode found;
    try {
      found = api(context).bot("GET", "/channels/" + channel, null);
    } catch (PlatformException e) {
      if (e.platformStatus() == 403 || e.platformStatus() == 404) {
        throw InvalidInputException.of("channel", "is not a channel the bot can see in the guild");
      }
      throw e;
    }
    if (found == null
        || !context.configText(DiscordApp.GUILD_ID).equals(found.path("guild_id").asString(null))) {
      throw InvalidInputException.of("channel", "is not a channel of the installation's guild");
    }
  }

  private JsonNode postMessage(PluginContext context, JsonNode parameters) {
    ObjectNode message = (ObjectNode) parameters.deepCopy();
    String channel = message.remove("channel").asString();
    JsonNode text = message.remove("text");
    if (text != null) {
      message.set("content", text);
    }
    if (!message.has("content")
        && !message.has("embeds")
        && !message.has("components")
        && !message.has("sticker_ids")
        && !message.has("poll")) {
      throw InvalidInputException.of(
          "text", "is required unless content, embeds, components, sticker_ids or poll are given");
    }
    requireOwnChannel(context, channel);
    return api(context).bot("POST", "/channels/" + channel + "/messages", message);
  }

  private JsonNode getGuild(PluginContext context, JsonNode parameters) {
    return api(context).bot("GET", "/guilds/" + context.configText(DiscordApp.GUILD_ID), null);
  }

  private JsonNode registerGuildCommand(PluginContext context, JsonNode parameters) {
    ObjectNode command = (ObjectNode) parameters.deepCopy();
    JsonNode commandId = command.remove("command_id");
    String path =
        "/applications/"
            + properties.clientId()
            + "/guilds/"
            + context.configText(DiscordApp.GUILD_ID)
            + "/commands";
    // Discord's POST creates the command or replaces the one of the same name; PATCH changes a
    // named command.
    return commandId == null
        ? api(context).bot("POST", path, command)
        : api(context).bot("PATCH", path + "/" + commandId.asString(), command);
  }

  private JsonNode method(PluginContext context, JsonNode parameters) {
    String route = parameters.path("route").asString("");
    String method = parameters.path("method").asString("GET");
    String guild = context.configText(DiscordApp.GUILD_ID);
    String channel = channelOf(method, route, guild, properties.clientId());
    if (channel == null) {
      throw InvalidInputException.of(
          "route",
          "is not a route this action may call: it must be in the installation's"
              + " guild ("
              + guild
              + ") and on the allow-list (see the action's schema)");
    }
    if (!channel.isEmpty()) {
      requireOwnChannel(context, channel);
    }
    JsonNode body = "GET".equals(method) || "DELETE".equals(method) ? null : parameters.get("body");
    JsonNode answer = api(context).bot(method, route, body);
    if (answer == null || answer.isObject()) {
      return answer == null ? Json.object() : answer;
    }
    // A list (members, messages...) is wrapped, since an action answers an object.
    ObjectNode wrapped = Json.object();
    wrapped.set("items", answer);
    return wrapped;
  }

  /**
   * Whether the {@code method} action may call a route for the installation in {@code guild}: null
   * when it may not, the channel whose guild must still be checked for a channel route, and the
   * empty string otherwise. The guild and a channel themselves may only be read.
   */
  static String channelOf(String method, String route, String guild, String applicationId) {
    if (route.contains("..") || route.contains("//") || route.contains("\\") || guild == null) {
      return null;
    }
    int query = route.indexOf('?');
    String path = query < 0 ? route : route.substring(0, query);
    if (query >= 0 && !QUERY.matcher(route.substring(query + 1)).matches()) {
      return null;
    }
    String[] segments = path.split("/", -1);
    for (int i = 1; i < segments.length; i++) {
      if (!SEGMENT.matcher(segments[i]).matches()) {
        return null;
      }
    }
    Matcher command = COMMAND_ROUTE.matcher(path);
    if (command.matches()) {
      return command.group(1).equals(applicationId) && command.group(2).equals(guild) ? "" : null;
    }
    Matcher guildRoute = GUILD_ROUTE.matcher(path);
    if (guildRoute.matches()) {
      if (!guildRoute.group(1).equals(guild)) {
        return null;
      }
      if (guildRoute.group(2) == null) {
        return "GET".equals(method) ? "" : null;
      }
      return GUILD_FAMILIES.contains(guildRoute.group(2)) ? "" : null;
    }
    Matcher channelRoute = CHANNEL_ROUTE.matcher(path);
    if (channelRoute.matches()) {
      if (channelRoute.group(2) == null) {
        return "GET".equals(method) ? channelRoute.group(1) : null;
      }
      return CHANNEL_FAMILIES.contains(channelRoute.group(2)) ? channelRoute.group(1) : null;
    }
    return null;
  }
}

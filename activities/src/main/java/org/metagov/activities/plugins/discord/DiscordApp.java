package org.metagov.activities.plugins.discord;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.WebhookRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The deployment's Discord application: its bot is added to a guild with OAuth2 ({@code scope=bot
 * applications.commands}), and one Interactions Endpoint URL serves every guild, routed by the
 * interaction's {@code guild_id}.
 *
 * <p>The bot token is the deployment's, not the guild's, so a guild id alone would let a Driver
 * reach any guild the bot is in. The install therefore stores an {@code installation_proof} (an
 * HMAC of the guild id under the client secret), and a config without it is refused, as for GitHub.
 *
 * <p><b>Uninstalls.</b> Discord tells an HTTP-only app nothing when its bot is removed from a guild
 * (that is the Gateway's {@code GUILD_DELETE}). Its webhook events do include {@code
 * APPLICATION_DEAUTHORIZED}, but that event names only the user and concerns user installs, so no
 * guild can be routed from it: webhook events are acknowledged (204, as Discord requires) and
 * dropped. A Driver removes the installation by disabling the plugin, which makes the bot leave the
 * guild.
 */
final class DiscordApp implements InstalledApp {

  static final String GUILD_ID = "guild_id";
  static final String INSTALLATION_PROOF = "installation_proof";

  /** Interaction callback types (Discord's receiving-and-responding page). */
  static final int PONG = 1;

  static final int CHANNEL_MESSAGE_WITH_SOURCE = 4;
  static final int DEFERRED_UPDATE_MESSAGE = 6;
  static final int EPHEMERAL = 1 << 6;

  private static final Pattern SNOWFLAKE = Pattern.compile("[1-9][0-9]{5,19}");

  private final DiscordProperties properties;

  DiscordApp(DiscordProperties properties) {
    this.properties = properties;
  }

  @Override
  public String installationKeyField() {
    return GUILD_ID;
  }

  @Override
  public boolean configured() {
    return properties.configured();
  }

  @Override
  public URI authorizeUrl(String state, URI callbackUrl) {
    return PlatformHttp.resolve(
        properties.webBaseUrl(),
        "/oauth2/authorize"
            + "?client_id="
            + DiscordApi.encode(properties.clientId())
            + "&scope="
            + DiscordApi.encode("bot applications.commands").replace("+", "%20")
            + "&permissions="
            + DiscordApi.encode(properties.permissions())
            + "&response_type=code"
            + "&redirect_uri="
            + DiscordApi.encode(callbackUrl.toString())
            + "&state="
            + DiscordApi.encode(state));
  }

  @Override
  public ObjectNode install(PlatformHttp http, Map<String, String> callback, URI callbackUrl) {
    String code = callback.get("code");
    if (code == null || code.isBlank()) {
      throw new InstallRefusedException("server_error", "Discord sent no authorization code.");
    }
    String guildId = callback.get(GUILD_ID);
    if (guildId == null || !SNOWFLAKE.matcher(guildId).matches()) {
      throw new InstallRefusedException(
          "invalid_request",
          "Discord's redirect named no guild; the bot must be added to a server.");
    }
    JsonNode answer;
    try {
      answer = new DiscordApi(http, properties).exchangeCode(code, callbackUrl);
    } catch (PlatformException e) {
      if (e.retryable()) {
        throw e;
      }
      JsonNode error = e.responseJson();
      String code400 = error == null ? null : error.path("error").asString(null);
      // invalid_grant (a used, expired or foreign code), invalid_client...: Discord refused this
      // install.
      throw new InstallRefusedException(
          code400 != null && code400.matches("[a-z_]{1,64}") ? code400 : "access_denied",
          "Discord refused the authorization code.");
    }
    String answeredGuild = answer == null ? null : answer.path("guild").path("id").asString(null);
    if (answeredGuild == null) {
      throw new InstallRefusedException(
          "unsupported_installation",
          "Discord answered the install without a guild; the bot must be added to a server (scope bot).");
    }
    if (!answeredGuild.equals(guildId)) {
      throw new InstallRefusedException(
          "guild_mismatch",
          "The guild in Discord's redirect is not the guild the bot was added to.");
    }
    ObjectNode config = Json.object();
    config.put(GUILD_ID, guildId);
    config.put("guild_name", answer.path("guild").path("name").asString(""));
    config.put(INSTALLATION_PROOF, proof(guildId));
    return config;
  }

  /**
   * The proof, stored with the installation, that the install flow (not a hand-written config)
   * chose the guild.
   */
  String proof(String guildId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              properties.clientSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(
              mac.doFinal(("metagov-discord-guild:" + guildId).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  @Override
  public AppWebhookRoute route(WebhookRequest request) {
    JsonNode body = DiscordInteractions.payload(request);
    if (body.has("event") || body.path("type").asInt(-1) == 0) {
      // A webhook event (PING is type 0): Discord wants 204 with no body.
      return new AppWebhookRoute.Reply(204, "application/json", "");
    }
    int type = body.path("type").asInt(0);
    String guild = body.path(GUILD_ID).asString(null);
    byte[] identity =
        ("discord-interaction:" + body.path("id").asString("")).getBytes(StandardCharsets.UTF_8);
    if (type == DiscordInteractions.PING) {
      return reply(Json.write(Map.of("type", PONG)));
    }
    if (guild != null && type == DiscordInteractions.MESSAGE_COMPONENT) {
      // The vote is counted by the process, which then edits the message: acknowledged without
      // changing it yet.
      return new AppWebhookRoute.Deliver(
          guild, identity, reply(Json.write(Map.of("type", DEFERRED_UPDATE_MESSAGE))), false);
    }
    if (guild != null && type == DiscordInteractions.APPLICATION_COMMAND) {
      return new AppWebhookRoute.Deliver(guild, identity, ephemeral("Received."), false);
    }
    // Commands in direct messages, autocomplete and modals are not used by Metagov.
    return ephemeral("Metagov does not handle this interaction.");
  }

  @Override
  public AppWebhookRoute.Reply unknownInstallationReply(WebhookRequest request) {
    // Only interactions are delivered, and Discord shows "interaction failed" for anything but an
    // interaction
    // response: the person is told, privately, why nothing happened.
    return ephemeral("This server is not connected to Metagov.");
  }

  private static AppWebhookRoute.Reply ephemeral(String text) {
    ObjectNode answer = Json.object();
    answer.put("type", CHANNEL_MESSAGE_WITH_SOURCE);
    ObjectNode data = answer.putObject("data");
    data.put("content", text);
    data.put("flags", EPHEMERAL);
    return reply(Json.write(answer));
  }

  private static AppWebhookRoute.Reply reply(String json) {
    return new AppWebhookRoute.Reply(200, "application/json", json);
  }
}

package org.metagov.api.discord;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The Discord application as a Driver, a browser and Discord go through it: the OAuth2 install
 * (with forged, replayed and tampered redirects), interactions at {@code /api/hooks/discord}
 * (Ed25519 signatures, PING, routing by guild among several installations, slash commands as
 * events), the actions within the community's own guild, the uninstall, and the catalogue.
 */
class DiscordAppTest extends DiscordTestSupport {

  private String discordConfigColumn(String community) {
    return jdbc.sql(
            "select config::text from community_plugin where community_slug = ? and plugin_name = 'discord'")
        .param(community)
        .query(String.class)
        .optional()
        .orElse(null);
  }

  private List<JsonNode> eventsFor(String community) {
    return DRIVER.findAll(postRequestedFor(urlEqualTo("/events"))).stream()
        .map(r -> json(r.getBodyAsString()))
        .filter(body -> community.equals(body.path("community").asString(null)))
        .toList();
  }

  private static List<String> names(JsonNode array) {
    List<String> names = new java.util.ArrayList<>();
    array.forEach(item -> names.add(item.path("name").asString()));
    return names;
  }

  @Test
  void anInstallEnablesDiscordForTheGuildAndReturnsToTheDriver() {
    String slug = uniqueSlug("discord-install");
    putCommunity(slug, "[]");
    String guild = uniqueGuild();

    Response authorized = authorize(slug, DRIVER_REDIRECT, "driver-state-1");
    DISCORD.nextInstallInto(guild, "Guild " + guild);
    String authorizeUrl = authorized.header("Location");
    assertThat(authorizeUrl)
        .startsWith(DISCORD.baseUrl() + "/oauth2/authorize?client_id=" + FakeDiscord.CLIENT_ID)
        .contains("&scope=bot%20applications.commands&permissions=84992&response_type=code")
        .contains("&redirect_uri=" + enc(uri("/auth/discord/callback").toString()))
        .contains("&state=");
    Response back = getAbsolute(approveAtDiscord(authorizeUrl));
    assertThat(back.status()).as(back.body()).isEqualTo(302);
    assertThat(back.header("Location")).startsWith(DRIVER_REDIRECT + "?");
    assertThat(query(back.header("Location")))
        .containsEntry("community", slug)
        .containsEntry("state", "driver-state-1")
        .doesNotContainKey("error");

    // The code was exchanged once, as a form with the client credentials in Basic and the callback
    // it was issued for.
    FakeDiscord.Call exchange =
        DISCORD
            .calls("POST", "/oauth2/token")
            .get(DISCORD.calls("POST", "/oauth2/token").size() - 1);
    assertThat(exchange.contentType()).startsWith("application/x-www-form-urlencoded");
    assertThat(exchange.body().path("redirect_uri").asString())
        .isEqualTo(uri("/auth/discord/callback").toString());
    assertThat(exchange.body().path("grant_type").asString()).isEqualTo("authorization_code");
    JsonNode discord = get("/api/internal/community/" + slug).json().path("plugins").path(0);
    assertThat(discord.path("name").asString()).isEqualTo("discord");
    assertThat(discord.path("config").path("guild_id").asString()).isEqualTo(guild);
    assertThat(discord.path("config").path("guild_name").asString()).isEqualTo("Guild " + guild);
    assertThat(discord.path("config").path("installation_proof").asString()).isEqualTo("********");
    assertThat(discordConfigColumn(slug))
        .contains(guild)
        .doesNotContain(proof(guild))
        .doesNotContain("user-access-");

    // The installation works: get-guild reads the guild as the bot.
    Response read = action(slug, "discord.get-guild", "{\"parameters\": {}}");
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    assertThat(read.json().path("name").asString()).isEqualTo("Guild " + guild);
    FakeDiscord.Call call = DISCORD.calls("GET", "/guilds/" + guild).get(0);
    assertThat(call.authorization()).isEqualTo("Bot " + FakeDiscord.BOT_TOKEN);
  }

  @Test
  void forgedReplayedAndTamperedRedirectsChangeNothing() {
    assertProblem(
        get("/auth/discord/callback?code=whatever&state=forged-state-value&guild_id=123456789"),
        400,
        "invalid_state");
    assertProblem(get("/auth/discord/callback?code=whatever"), 400, "invalid_state");

    String slug = uniqueSlug("discord-replay");
    putCommunity(slug, "[]");
    String guild = uniqueGuild();
    DISCORD.nextInstallInto(guild, "Replayed");
    String callback = approveAtDiscord(authorize(slug, DRIVER_REDIRECT, "s1").header("Location"));
    assertThat(query(getAbsolute(callback).header("Location"))).doesNotContainKey("error");
    String before = discordConfigColumn(slug);
    int exchanges = DISCORD.calls("POST", "/oauth2/token").size();
    Response replay = getAbsolute(callback);
    assertThat(replay.status()).isEqualTo(302);
    assertThat(query(replay.header("Location")))
        .containsEntry("error", "state_already_used")
        .containsEntry("state", "s1");
    assertThat(DISCORD.calls("POST", "/oauth2/token")).hasSize(exchanges);
    assertThat(discordConfigColumn(slug)).isEqualTo(before);

    // A redirect whose guild_id is not the guild Discord added the bot to is refused.
    String other = uniqueSlug("discord-tampered");
    putCommunity(other, "[]");
    DISCORD.nextInstallInto(uniqueGuild(), "Real");
    DISCORD.nextRedirectNames(guild);
    Response tampered =
        getAbsolute(approveAtDiscord(authorize(other, DRIVER_REDIRECT, "t").header("Location")));
    assertThat(query(tampered.header("Location")))
        .containsEntry("error", "guild_mismatch")
        .containsEntry("community", other);
    assertThat(discordConfigColumn(other)).isNull();

    // A guild installed for one community cannot be installed for another, nor written into a
    // config by hand.
    Response taken = install(other, guild, "u");
    assertThat(query(taken.header("Location"))).containsEntry("error", "installation_in_use");
    assertProblem(
        put(
            "/api/internal/community/" + other,
            "{\"name\": \""
                + other
                + "\", \"plugins\": [{\"name\": \"discord\","
                + " \"config\": {\"guild_id\": \""
                + uniqueGuild()
                + "\", \"installation_proof\": \""
                + "0".repeat(64)
                + "\"}}]}"),
        400,
        "validation_failed");
    assertThat(discordConfigColumn(other)).isNull();
  }

  @Test
  void onlyCorrectlySignedCurrentInteractionsAreAccepted() throws Exception {
    String slug = uniqueSlug("discord-sign");
    String guild = uniqueGuild();
    communityWithDiscord(slug, guild, "2000000000000000001");
    String body =
        slashCommand(guild, "3000000000000000001", "2000000000000000001", "propose", "hello");
    String now = Long.toString(Instant.now().getEpochSecond());
    var otherKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

    assertProblem(hook(body, now, FakeDiscord.sign(otherKeys, now, body)), 401, "bad_signature");
    assertProblem(
        hook(body, now, "zz" + DISCORD.sign(now, body).substring(2)), 401, "bad_signature");
    assertProblem(hook(body, null, null), 401, "bad_signature");
    assertProblem(
        hook(body.replace("hello", "hullo"), now, DISCORD.sign(now, body)), 401, "bad_signature");
    String stale = Long.toString(Instant.now().minusSeconds(600).getEpochSecond());
    assertProblem(hook(body, stale, null), 401, "bad_signature");
    assertThat(receipts(slug)).isZero();

    Response accepted = hook(body, now, null);
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json())
        .isEqualTo(json("{\"type\": 4, \"data\": {\"content\": \"Received.\", \"flags\": 64}}"));
    assertThat(receipts(slug)).isEqualTo(1);

    // The PING Discord sends when the Interactions Endpoint URL is saved is answered PONG, but only
    // when signed.
    Response pong = interact(ping());
    assertThat(pong.status()).isEqualTo(200);
    assertThat(pong.contentType()).startsWith("application/json");
    assertThat(pong.json()).isEqualTo(json("{\"type\": 1}"));
    assertProblem(hook(ping(), null, null), 401, "bad_signature");
    // A webhook event PING (type 0) is acknowledged with 204 and no body.
    Response eventPing =
        interact(
            "{\"version\": 1, \"application_id\": \"" + FakeDiscord.CLIENT_ID + "\", \"type\": 0}");
    assertThat(eventPing.status()).isEqualTo(204);
    assertThat(eventPing.body()).isEmpty();
  }

  @Test
  void interactionsReachOnlyTheCommunityOfTheirGuild() {
    String slugA = uniqueSlug("discord-route-a");
    String slugB = uniqueSlug("discord-route-b");
    String guildA = uniqueGuild();
    String guildB = uniqueGuild();
    String channelA = DISCORD.snowflake();
    String channelB = DISCORD.snowflake();
    communityWithDiscord(slugA, guildA, channelA);
    communityWithDiscord(slugB, guildB, channelB);

    Response command =
        interact(slashCommand(guildB, "3000000000000000002", channelB, "propose", "more tea"));
    assertThat(command.status()).as(command.body()).isEqualTo(200);
    await("B's event").atMost(Duration.ofSeconds(30)).until(() -> eventsFor(slugB).size() == 1);
    JsonNode delivered = eventsFor(slugB).get(0);
    assertThat(delivered.path("source").asString()).isEqualTo("discord");
    assertThat(delivered.path("event_type").asString()).isEqualTo("slash_command");
    assertThat(delivered.path("initiator"))
        .isEqualTo(
            json(
                "{\"user_id\": \"3000000000000000002\", \"provider\": \"discord\","
                    + " \"is_metagov_bot\": false}"));
    assertThat(delivered.path("data").path("data").path("name").asString()).isEqualTo("propose");
    assertThat(delivered.path("data").path("data").path("options").path(0).path("value").asString())
        .isEqualTo("more tea");
    assertThat(delivered.path("data").path("guild_id").asString()).isEqualTo(guildB);
    assertThat(delivered.path("data").has("token"))
        .as("the interaction token is not passed on")
        .isFalse();
    assertThat(eventsFor(slugA)).isEmpty();

    // A guild no community installed is answered with an interaction response (anything else makes
    // Discord show
    // "interaction failed"): a message only the invoker sees, saying why nothing happened. Nothing
    // is kept.
    int receiptsA = receipts(slugA);
    int receiptsB = receipts(slugB);
    int eventsB = eventsFor(slugB).size();
    String unconnected = uniqueGuild();
    JsonNode notConnected =
        json(
            "{\"type\": 4, \"data\": {\"content\": \"This server is not connected to Metagov.\","
                + " \"flags\": 64}}");
    Response unknown =
        interact(slashCommand(unconnected, "3000000000000000002", channelB, "propose", "x"));
    assertThat(unknown.status()).as(unknown.body()).isEqualTo(200);
    assertThat(unknown.header("Content-Type")).startsWith("application/json");
    assertThat(unknown.json()).isEqualTo(notConnected);
    Response unknownPress =
        interact(
            press(unconnected, "3000000000000000002", channelB, DISCORD.snowflake(), "vote:yes"));
    assertThat(unknownPress.status()).as(unknownPress.body()).isEqualTo(200);
    assertThat(unknownPress.json()).isEqualTo(notConnected);
    assertThat(receipts(slugA)).isEqualTo(receiptsA);
    assertThat(receipts(slugB)).isEqualTo(receiptsB);
    assertThat(eventsFor(slugB)).hasSize(eventsB);

    // Actions stay in the community's guild: A cannot post into B's channel.
    assertProblem(
        action(
            slugA,
            "discord.post-message",
            "{\"parameters\": {\"channel\": \"" + channelB + "\", \"text\": \"hi\"}}"),
        400,
        "validation_failed");
    assertThat(DISCORD.calls("POST", "/channels/" + channelB + "/messages")).isEmpty();
    Response posted =
        action(
            slugA,
            "discord.post-message",
            "{\"parameters\": {\"channel\": \""
                + channelA
                + "\", \"text\": \"hi\","
                + " \"embeds\": [{\"title\": \"Agenda\"}]}}");
    assertThat(posted.status()).as(posted.body()).isEqualTo(200);
    JsonNode sent = DISCORD.calls("POST", "/channels/" + channelA + "/messages").get(0).body();
    assertThat(sent)
        .isEqualTo(json("{\"content\": \"hi\", \"embeds\": [{\"title\": \"Agenda\"}]}"));
    assertThat(
            DISCORD
                .message(channelA, posted.json().path("id").asString())
                .path("content")
                .asString())
        .isEqualTo("hi");

    // method: allow-listed routes in the guild; another guild's routes and unlisted families are
    // refused.
    assertProblem(
        action(
            slugA, "discord.method", "{\"parameters\": {\"route\": \"/guilds/" + guildB + "\"}}"),
        400,
        "validation_failed");
    assertProblem(
        action(
            slugA,
            "discord.method",
            "{\"parameters\": {\"route\": \"/guilds/"
                + guildA
                + "/bans/1\", \"method\": \"PUT\"}}"),
        400,
        "validation_failed");
    assertProblem(
        action(
            slugA,
            "discord.method",
            "{\"parameters\": {\"route\": \"/channels/" + channelB + "/messages\"}}"),
        400,
        "validation_failed");
    Response viaMethod =
        action(
            slugA, "discord.method", "{\"parameters\": {\"route\": \"/guilds/" + guildA + "\"}}");
    assertThat(viaMethod.status()).as(viaMethod.body()).isEqualTo(200);
    assertThat(viaMethod.json().path("id").asString()).isEqualTo(guildA);

    // register-guild-command registers in the community's guild as the application.
    Response registered =
        action(
            slugA,
            "discord.register-guild-command",
            "{\"parameters\": {\"name\": \"propose\","
                + " \"description\": \"Make a proposal\", \"options\": [{\"name\": \"proposal\", \"description\": \"What\", \"type\": 3, \"required\": true}]}}");
    assertThat(registered.status()).as(registered.body()).isEqualTo(200);
    FakeDiscord.Call registration =
        DISCORD
            .calls(
                "POST",
                "/applications/" + FakeDiscord.CLIENT_ID + "/guilds/" + guildA + "/commands")
            .get(0);
    assertThat(registration.body().path("name").asString()).isEqualTo("propose");
    assertThat(registered.json().path("guild_id").asString()).isEqualTo(guildA);
    String commandId = registered.json().path("id").asString();
    Response updated =
        action(
            slugA,
            "discord.register-guild-command",
            "{\"parameters\": {\"name\": \"propose\", \"description\": \"Propose\","
                + " \"command_id\": \""
                + commandId
                + "\"}}");
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(
            DISCORD
                .calls("PATCH", "/applications/.*/commands/" + commandId)
                .get(0)
                .body()
                .has("command_id"))
        .isFalse();

    // Discord's 429 becomes 503 platform_rate_limited with the wait Discord named.
    DISCORD.rateLimit("/guilds/" + guildA, 1);
    Response limited = action(slugA, "discord.get-guild", "{\"parameters\": {}}");
    assertProblem(limited, 503, "platform_rate_limited");
    assertThat(limited.header("Retry-After")).isEqualTo("1");
  }

  @Test
  void disablingDiscordMakesTheBotLeaveTheGuild() {
    String slug = uniqueSlug("discord-disabled");
    String guild = uniqueGuild();
    communityWithDiscord(slug, guild, DISCORD.snowflake());
    putCommunity(slug, "[]");
    await("the bot leaves").atMost(Duration.ofSeconds(30)).until(() -> DISCORD.left(guild));
    assertThat(DISCORD.calls("DELETE", "/users/@me/guilds/" + guild)).hasSize(1);
    assertThat(
            jdbc.sql("select count(*) from app_installation where community_slug = ?")
                .param(slug)
                .query(Integer.class)
                .single())
        .isZero();
    int receipts = receipts(slug);
    Response late =
        interact(
            slashCommand(guild, "3000000000000000003", "2000000000000000009", "propose", "late"));
    assertThat(late.json().path("data").path("content").asString())
        .isEqualTo("This server is not connected to Metagov.");
    assertThat(receipts(slug)).isEqualTo(receipts);
  }

  @Test
  void theCatalogueAndTheApiDocsListDiscord() {
    JsonNode discord = get("/api/internal/plugin/discord/metadata").json();
    assertThat(names(discord.path("actions")))
        .containsExactly("post-message", "get-guild", "register-guild-command", "method");
    assertThat(names(discord.path("processes"))).containsExactly("vote");
    assertThat(discord.path("event_types").toString()).contains("\"slash_command\"");
    assertThat(
            discord
                .path("config_schema")
                .path("properties")
                .path("installation_proof")
                .path("writeOnly")
                .asBoolean())
        .isTrue();
    JsonNode paths = get("/v3/api-docs").json().path("paths");
    for (String path :
        List.of(
            "/api/internal/action/discord.post-message",
            "/api/internal/action/discord.get-guild",
            "/api/internal/action/discord.register-guild-command",
            "/api/internal/action/discord.method",
            "/api/internal/process/discord.vote")) {
      assertThat(paths.has(path)).as(path).isTrue();
    }
  }
}

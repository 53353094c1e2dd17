package org.metagov.api.discord;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.metagov.api.process.ProcessTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the Discord tests: the application with the deployment's Discord application pointed at
 * one {@link FakeDiscord} (whose generated Ed25519 public key the app checks interactions with),
 * the install allow-list holding {@link #DRIVER_REDIRECT}, and the Driver's event receiver and
 * callbacks on a WireMock receiver. Every subclass inherits the same property source, so they share
 * one application context.
 */
public abstract class DiscordTestSupport extends ProcessTestSupport {

  public static final FakeDiscord DISCORD = new FakeDiscord();
  protected static final WireMockServer DRIVER = localWireMock();
  protected static final String DRIVER_REDIRECT = "https://driver.example.org/discord/installed";

  @Autowired protected JdbcClient jdbc;

  @DynamicPropertySource
  static void discordApp(DynamicPropertyRegistry registry) {
    registry.add("metagov.apps.discord.client-id", () -> FakeDiscord.CLIENT_ID);
    registry.add("metagov.apps.discord.client-secret", () -> FakeDiscord.CLIENT_SECRET);
    registry.add("metagov.apps.discord.public-key", DISCORD::publicKeyHex);
    registry.add("metagov.apps.discord.bot-token", () -> FakeDiscord.BOT_TOKEN);
    registry.add("metagov.apps.discord.api-base-url", DISCORD::apiBaseUrl);
    registry.add("metagov.apps.discord.web-base-url", DISCORD::baseUrl);
    registry.add("metagov.install.redirect-uris", () -> DRIVER_REDIRECT);
    registry.add("metagov.driver.event-receiver-url", () -> DRIVER.baseUrl() + "/events");
  }

  @BeforeEach
  void driverAnswers() {
    DRIVER.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.post(urlPathMatching("/.*"))
            .willReturn(ok()));
  }

  /** A guild id no other test uses. */
  protected static String uniqueGuild() {
    return DISCORD.snowflake();
  }

  /**
   * A community with the discord plugin configured by hand for a guild the fake knows (with the
   * proof the install flow would have stored); the guild gets the given channels.
   */
  protected void communityWithDiscord(String slug, String guildId, String... channels) {
    DISCORD.guild(guildId, "Guild " + guildId, channels);
    putCommunity(
        slug,
        "[{\"name\": \"discord\", \"config\": {\"guild_id\": \""
            + guildId
            + "\", \"guild_name\": \"Guild "
            + guildId
            + "\", \"installation_proof\": \""
            + proof(guildId)
            + "\"}}]");
  }

  public static String proof(String guildId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(
          new SecretKeySpec(
              FakeDiscord.CLIENT_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of()
          .formatHex(
              mac.doFinal(("metagov-discord-guild:" + guildId).getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  // --- interactions
  // --------------------------------------------------------------------------------

  /**
   * Posts to {@code /api/hooks/discord} with the given signature headers (none when timestamp is
   * null).
   */
  protected Response hook(String body, String timestamp, String signature) {
    HttpRequest.Builder request =
        request("/api/hooks/discord")
            .header("Content-Type", "application/json")
            .header("User-Agent", "Discord-Interactions/1.0 (+https://discord.com)")
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (timestamp != null) {
      request.header("X-Signature-Timestamp", timestamp);
      request.header(
          "X-Signature-Ed25519", signature != null ? signature : DISCORD.sign(timestamp, body));
    }
    return send(request);
  }

  /** An interaction as Discord signs it now. */
  protected Response interact(String body) {
    return hook(body, Long.toString(Instant.now().getEpochSecond()), null);
  }

  protected static String ping() {
    return "{\"application_id\": \""
        + FakeDiscord.CLIENT_ID
        + "\", \"id\": \""
        + DISCORD.snowflake()
        + "\", \"token\": \""
        + DISCORD.interactionToken()
        + "\", \"type\": 1, \"user\": {\"id\": \"53908232506183680\", \"username\": \"discord\"},"
        + " \"version\": 1}";
  }

  private static String member(String user) {
    return "\"member\": {\"user\": {\"id\": \""
        + user
        + "\", \"username\": \"user"
        + user.substring(user.length() - 4)
        + "\", \"discriminator\": \"0\", \"global_name\": null, \"avatar\": null}, \"roles\": [], \"permissions\": \"2248473465835073\","
        + " \"joined_at\": \"2021-03-01T12:00:00.000000+00:00\", \"deaf\": false, \"mute\": false, \"pending\": false, \"nick\": null}";
  }

  /**
   * A slash command ({@code APPLICATION_COMMAND}, {@code CHAT_INPUT}) invoked in a guild's channel.
   */
  protected static String slashCommand(
      String guild, String user, String channel, String name, String value) {
    return "{\"application_id\": \""
        + FakeDiscord.CLIENT_ID
        + "\", \"app_permissions\": \"84992\", \"channel_id\": \""
        + channel
        + "\", \"channel\": {\"id\": \""
        + channel
        + "\", \"type\": 0, \"guild_id\": \""
        + guild
        + "\", \"name\": \"general\"},"
        + " \"data\": {\"id\": \""
        + DISCORD.snowflake()
        + "\", \"name\": \""
        + name
        + "\", \"type\": 1, \"guild_id\": \""
        + guild
        + "\", \"options\": [{\"name\": \"proposal\", \"type\": 3, \"value\": \""
        + value
        + "\"}]}, \"guild_id\": \""
        + guild
        + "\", \"guild_locale\": \"en-US\", \"id\": \""
        + DISCORD.snowflake()
        + "\", \"locale\": \"en-US\", "
        + member(user)
        + ", \"token\": \""
        + DISCORD.interactionToken()
        + "\", \"type\": 2, \"version\": 1, \"entitlements\": [],"
        + " \"authorizing_integration_owners\": {\"0\": \""
        + guild
        + "\"}, \"context\": 0}";
  }

  /** A button press ({@code MESSAGE_COMPONENT}) on a message of a guild's channel. */
  protected static String press(
      String guild, String user, String channel, String messageId, String customId) {
    return "{\"application_id\": \""
        + FakeDiscord.CLIENT_ID
        + "\", \"app_permissions\": \"84992\", \"channel_id\": \""
        + channel
        + "\", \"channel\": {\"id\": \""
        + channel
        + "\", \"type\": 0, \"guild_id\": \""
        + guild
        + "\", \"name\": \"votes\"},"
        + " \"data\": {\"component_type\": 2, \"custom_id\": \""
        + customId
        + "\"}, \"guild_id\": \""
        + guild
        + "\", \"guild_locale\": \"en-US\", \"id\": \""
        + DISCORD.snowflake()
        + "\", \"locale\": \"en-US\", "
        + member(user)
        + ", \"message\": {\"id\": \""
        + messageId
        + "\", \"channel_id\": \""
        + channel
        + "\", \"type\": 0, \"content\": \"vote\","
        + " \"author\": {\"id\": \""
        + FakeDiscord.CLIENT_ID
        + "\", \"bot\": true}, \"components\": []},"
        + " \"token\": \""
        + DISCORD.interactionToken()
        + "\", \"type\": 3, \"version\": 1, \"entitlements\": [],"
        + " \"authorizing_integration_owners\": {\"0\": \""
        + guild
        + "\"}, \"context\": 0}";
  }

  protected int receipts(String community) {
    return jdbc.sql("select count(*) from webhook_receipt where community_slug = ?")
        .param(community)
        .query(Integer.class)
        .single();
  }

  // --- install
  // -------------------------------------------------------------------------------------

  protected Response authorize(String community, String redirectUri, String state) {
    return send(
        request(
                "/auth/discord/authorize?community="
                    + enc(community)
                    + "&redirect_uri="
                    + enc(redirectUri)
                    + "&state="
                    + enc(state))
            .GET());
  }

  /**
   * Follows a redirect to the fake's authorize page, which approves and redirects to the callback.
   */
  protected static String approveAtDiscord(String authorizeLocation) {
    assertThat(authorizeLocation).startsWith(DISCORD.baseUrl() + "/oauth2/authorize?");
    Response approved = send(HttpRequest.newBuilder(URI.create(authorizeLocation)).GET());
    assertThat(approved.status()).as(approved.body()).isEqualTo(302);
    return approved.header("Location");
  }

  protected Response getAbsolute(String url) {
    URI uri = URI.create(url);
    return send(
        request(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
            .GET());
  }

  /**
   * The whole install as a browser goes through it; returns the callback's answer (a redirect to
   * the Driver).
   */
  protected Response install(String community, String guildId, String driverState) {
    DISCORD.nextInstallInto(guildId, "Guild " + guildId);
    Response authorized = authorize(community, DRIVER_REDIRECT, driverState);
    assertThat(authorized.status()).as(authorized.body()).isEqualTo(302);
    return getAbsolute(approveAtDiscord(authorized.header("Location")));
  }

  protected static Map<String, String> query(String location) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(location).getRawQuery();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      params.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  protected static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

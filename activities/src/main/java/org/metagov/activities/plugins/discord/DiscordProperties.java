package org.metagov.activities.plugins.discord;

import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The deployment's own Discord application, whose bot is added to each guild by OAuth.
 *
 * @param clientId the application's id (General Information, Application ID), which is also its
 *     OAuth client id
 * @param clientSecret the application's OAuth client secret
 * @param publicKey the application's public key (General Information), 64 hex digits: the raw
 *     Ed25519 key that checks every interaction's {@code X-Signature-Ed25519}
 * @param botToken the application's bot token (Bot), one for every guild the bot is in
 * @param permissions the bot permissions asked for at install, as Discord's decimal bit set; the
 *     default is View Channels, Send Messages, Embed Links and Read Message History
 * @param apiBaseUrl the REST API with its version ({@code https://discord.com/api/v10}); tests
 *     point it at a fake
 * @param webBaseUrl the website, where the installing user's browser is sent and message links
 *     point ({@code https://discord.com})
 */
@ConfigurationProperties("metagov.apps.discord")
public record DiscordProperties(
    String clientId,
    String clientSecret,
    String publicKey,
    String botToken,
    @DefaultValue("84992") String permissions,
    @DefaultValue("https://discord.com/api/v10") String apiBaseUrl,
    @DefaultValue("https://discord.com") String webBaseUrl) {

  private static final Pattern PUBLIC_KEY = Pattern.compile("[0-9a-fA-F]{64}");

  /** Whether every credential an install, an interaction check and a bot call need is set. */
  public boolean configured() {
    return present(clientId)
        && present(clientSecret)
        && present(botToken)
        && publicKey != null
        && PUBLIC_KEY.matcher(publicKey.trim()).matches();
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}

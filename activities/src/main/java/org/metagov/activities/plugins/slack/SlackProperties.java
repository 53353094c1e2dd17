package org.metagov.activities.plugins.slack;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The deployment's own Slack app, installed into each workspace by OAuth.
 *
 * @param clientId the app's Client ID (Basic Information, App Credentials)
 * @param clientSecret the app's Client Secret
 * @param signingSecret the app's Signing Secret, which signs every Events API and interactivity
 *     request
 * @param apiBaseUrl where the Web API methods live ({@code https://slack.com/api}); tests point it
 *     at a fake
 * @param authorizeUrl where the installing user's browser is sent ({@code
 *     https://slack.com/oauth/v2/authorize})
 * @param botScopes the bot token scopes asked for at install ({@link #DEFAULT_BOT_SCOPES} when none
 *     are set); the app's configuration must list them too
 * @param userScopes user token scopes asked of the installing user; none by default
 */
@ConfigurationProperties("metagov.apps.slack")
public record SlackProperties(
    String clientId,
    String clientSecret,
    String signingSecret,
    @DefaultValue("https://slack.com/api") String apiBaseUrl,
    @DefaultValue("https://slack.com/oauth/v2/authorize") String authorizeUrl,
    List<String> botScopes,
    @DefaultValue List<String> userScopes) {

  /**
   * What the votes, the actions and the events need: messages, conversations, pins, reactions,
   * users and groups.
   */
  public static final List<String> DEFAULT_BOT_SCOPES =
      List.of(
          "app_mentions:read",
          "channels:history",
          "channels:join",
          "channels:manage",
          "channels:read",
          "chat:write",
          "chat:write.customize",
          "chat:write.public",
          "emoji:read",
          "groups:history",
          "groups:read",
          "groups:write",
          "im:history",
          "im:read",
          "im:write",
          "mpim:history",
          "mpim:read",
          "mpim:write",
          "pins:read",
          "pins:write",
          "reactions:read",
          "reactions:write",
          "team:read",
          "usergroups:read",
          "usergroups:write",
          "users:read",
          "users:read.email");

  public SlackProperties {
    botScopes =
        botScopes == null || botScopes.stream().allMatch(String::isBlank)
            ? DEFAULT_BOT_SCOPES
            : botScopes.stream().map(String::trim).filter(scope -> !scope.isEmpty()).toList();
    userScopes =
        userScopes == null
            ? List.of()
            : userScopes.stream().map(String::trim).filter(scope -> !scope.isEmpty()).toList();
  }

  /** Whether every credential an install and a webhook check need is set. */
  public boolean configured() {
    return present(clientId) && present(clientSecret) && present(signingSecret);
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}

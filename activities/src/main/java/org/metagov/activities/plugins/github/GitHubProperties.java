package org.metagov.activities.plugins.github;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The deployment's own GitHub App, installed into each user or organisation account.
 *
 * @param appId the App ID (the app's settings, About), the {@code iss} of the app's JWTs
 * @param slug the app's URL name, as in {@code https://github.com/apps/{slug}}
 * @param privateKey one of the app's private keys, in PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}) or
 *     PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, as GitHub hands it out)
 * @param clientId the app's Client ID, with which the installing user's authorization is checked
 * @param clientSecret one of the app's client secrets
 * @param webhookSecret the app's webhook secret, which signs every webhook ({@code
 *     X-Hub-Signature-256})
 * @param apiBaseUrl the REST API ({@code https://api.github.com}); tests point it at a fake
 * @param webBaseUrl the website, where the installing user's browser is sent ({@code
 *     https://github.com})
 */
@ConfigurationProperties("metagov.apps.github")
public record GitHubProperties(
    String appId,
    String slug,
    String privateKey,
    String clientId,
    String clientSecret,
    String webhookSecret,
    @DefaultValue("https://api.github.com") String apiBaseUrl,
    @DefaultValue("https://github.com") String webBaseUrl) {

  /** Whether every credential an install, an API call and a webhook check need is set. */
  public boolean configured() {
    return present(appId)
        && present(slug)
        && present(privateKey)
        && present(clientId)
        && present(clientSecret)
        && present(webhookSecret);
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}

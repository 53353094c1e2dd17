package org.metagov.activities.plugins.github;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The deployment's GitHub App: installed into a user or organisation account from its installation
 * page, and one webhook URL for every installation, routed by {@code installation.id}.
 *
 * <p>GitHub's redirect after an install names the installation ({@code installation_id}), but
 * anyone can call the callback with another account's installation id, as GitHub warns. So the app
 * must have <i>Request user authorization (OAuth) during installation</i> enabled: the redirect
 * then also carries a {@code code}, which is exchanged for the installing user's token, and the
 * install goes on only if that user can see the installation ({@code GET
 * /user/installations/{id}/repositories}). The config it stores holds an {@code installation_proof}
 * (an HMAC of the installation id under the webhook secret), without which a config written by hand
 * is refused: a Driver could otherwise bind any account that installed the app.
 */
final class GitHubApp implements InstalledApp {

  static final String INSTALLATION_ID = "installation_id";
  static final String INSTALLATION_PROOF = "installation_proof";

  private static final Pattern INSTALLATION = Pattern.compile("[1-9][0-9]{0,18}");

  private final GitHubProperties properties;
  private final AppJwt jwt;

  GitHubApp(GitHubProperties properties, AppJwt jwt) {
    this.properties = properties;
    this.jwt = jwt;
  }

  @Override
  public String installationKeyField() {
    return INSTALLATION_ID;
  }

  @Override
  public boolean configured() {
    return properties.configured();
  }

  /**
   * The app's installation page; the callback is the app's own setting (its Callback URL), not a
   * parameter.
   */
  @Override
  public URI authorizeUrl(String state, URI callbackUrl) {
    return PlatformHttp.resolve(
        properties.webBaseUrl(),
        "/apps/" + encode(properties.slug()) + "/installations/new?state=" + encode(state));
  }

  @Override
  public ObjectNode install(PlatformHttp http, Map<String, String> callback, URI callbackUrl) {
    if ("request".equals(callback.get("setup_action"))) {
      throw new InstallRefusedException(
          "installation_requested",
          "GitHub asked an organisation owner to approve the installation; install again once it is approved.");
    }
    String installationId = callback.get(INSTALLATION_ID);
    if (installationId == null || !INSTALLATION.matcher(installationId).matches()) {
      throw new InstallRefusedException(
          "invalid_request", "GitHub's redirect named no installation.");
    }
    String code = callback.get("code");
    if (code == null || code.isBlank()) {
      throw new InstallRefusedException(
          "user_authorization_required",
          "GitHub's redirect carried no authorization code;"
              + " the GitHub App must request user authorization (OAuth) during installation.");
    }
    String userToken = userToken(http, code, callbackUrl);
    requireUserAccess(http, userToken, installationId);
    JsonNode installation;
    try {
      installation =
          GitHubApi.call(
              http,
              properties.apiBaseUrl(),
              jwt.token(),
              "GET",
              "/app/installations/" + installationId,
              null);
    } catch (PlatformException e) {
      if (e.platformStatus() == 404) {
        throw new InstallRefusedException(
            "installation_not_found",
            "GitHub knows no installation " + installationId + " of this app.");
      }
      throw e;
    }
    JsonNode account = installation == null ? null : installation.path("account");
    if (account == null || !account.path("login").isString()) {
      throw new InstallRefusedException(
          "invalid_installation", "GitHub answered the installation without its account.");
    }
    ObjectNode config = Json.object();
    config.put(INSTALLATION_ID, installationId);
    config.put("owner", account.get("login").asString());
    config.put("owner_type", account.path("type").asString("User"));
    config.put(INSTALLATION_PROOF, proof(installationId));
    return config;
  }

  /**
   * Exchanges the installing user's authorization code for their (short-lived, unstored) user
   * token.
   */
  private String userToken(PlatformHttp http, String code, URI callbackUrl) {
    String form =
        "client_id="
            + encode(properties.clientId())
            + "&client_secret="
            + encode(properties.clientSecret())
            + "&code="
            + encode(code)
            + "&redirect_uri="
            + encode(callbackUrl.toString());
    URI uri = PlatformHttp.resolve(properties.webBaseUrl(), "/login/oauth/access_token");
    PlatformHttp.Reply reply =
        http.exchange(
            GitHubApi.PLATFORM,
            "POST",
            uri,
            Map.of(),
            "application/x-www-form-urlencoded",
            form.getBytes(StandardCharsets.UTF_8));
    if (reply.status() >= 400) {
      throw http.failure(GitHubApi.PLATFORM, "POST", uri, reply);
    }
    JsonNode answer = reply.json(GitHubApi.PLATFORM);
    String error = answer == null ? null : answer.path("error").asString(null);
    if (error != null) {
      // bad_verification_code (expired or used), incorrect_client_credentials,
      // redirect_uri_mismatch...
      throw new InstallRefusedException(
          error.matches("[a-z_]{1,64}") ? error : "access_denied",
          "GitHub refused the installing user's authorization code.");
    }
    String token = answer == null ? null : answer.path("access_token").asString(null);
    if (token == null || token.isBlank()) {
      throw new InstallRefusedException(
          "access_denied", "GitHub answered the authorization code without a token.");
    }
    return token;
  }

  private void requireUserAccess(PlatformHttp http, String userToken, String installationId) {
    try {
      GitHubApi.call(
          http,
          properties.apiBaseUrl(),
          userToken,
          "GET",
          "/user/installations/" + installationId + "/repositories?per_page=1",
          null);
    } catch (PlatformException e) {
      if (e.platformStatus() == 403 || e.platformStatus() == 404) {
        throw new InstallRefusedException(
            "installation_not_accessible",
            "The GitHub user who authorized cannot access the installation "
                + installationId
                + ".");
      }
      throw e;
    }
  }

  /**
   * The proof, stored with the installation, that the install flow (not a hand-written config)
   * chose it.
   */
  String proof(String installationId) {
    return WebhookSignatures.hmacSha256Hex(
        properties.webhookSecret(),
        ("metagov-github-installation:" + installationId).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public AppWebhookRoute route(WebhookRequest request) {
    String event = GitHubWebhooks.event(request);
    JsonNode payload = GitHubWebhooks.payload(request);
    JsonNode id = payload.path("installation").path("id");
    if (!id.isIntegralNumber()) {
      // A ping (sent when the webhook is set up) and the app's own events concern no installation.
      return new AppWebhookRoute.Reply(200, "text/plain", "");
    }
    boolean uninstalled =
        GitHubWebhooks.INSTALLATION.equals(event)
            && "deleted".equals(payload.path("action").asString(""));
    return new AppWebhookRoute.Deliver(
        Long.toString(id.asLong()), request.body(), null, uninstalled);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}

package org.metagov.api.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.matching.MatchResult;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.process.ProcessTestSupport;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The GitHub App as a Driver, a browser and GitHub go through it, against a fake GitHub (WireMock)
 * that checks the app's JWT with its public key: the install (authorize → installation page →
 * callback with the installing user's code → installation confirmed), webhooks at {@code
 * /api/hooks/github} routed by installation, and the uninstall.
 */
class GitHubAppTest extends ProcessTestSupport {

  private static final String APP_ID = "98765";
  private static final String CLIENT_ID = "Iv1.fakeclient";
  private static final String CLIENT_SECRET = "fake-client-secret";
  private static final String WEBHOOK_SECRET = "fake-webhook-secret";
  private static final String DRIVER_REDIRECT = "https://driver.example.org/github/installed";
  private static final KeyPair KEYS = rsaKeys();
  private static final WireMockServer GITHUB = localWireMock();
  private static final WireMockServer DRIVER = localWireMock();

  @DynamicPropertySource
  static void githubApp(DynamicPropertyRegistry registry) {
    registry.add("metagov.apps.github.app-id", () -> APP_ID);
    registry.add("metagov.apps.github.slug", () -> "metagov-test");
    registry.add(
        "metagov.apps.github.private-key",
        () ->
            "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(KEYS.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----");
    registry.add("metagov.apps.github.client-id", () -> CLIENT_ID);
    registry.add("metagov.apps.github.client-secret", () -> CLIENT_SECRET);
    registry.add("metagov.apps.github.webhook-secret", () -> WEBHOOK_SECRET);
    registry.add("metagov.apps.github.api-base-url", () -> GITHUB.baseUrl() + "/api");
    registry.add("metagov.apps.github.web-base-url", () -> GITHUB.baseUrl() + "/web");
    registry.add("metagov.install.redirect-uris", () -> DRIVER_REDIRECT);
    registry.add("metagov.driver.event-receiver-url", () -> DRIVER.baseUrl() + "/events");
  }

  private static KeyPair rsaKeys() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @BeforeEach
  void fakes() {
    DRIVER.stubFor(WireMock.post(urlPathMatching("/.*")).willReturn(ok()));
    GITHUB.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"message\": \"Bad credentials\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
  }

  /**
   * The fake's check of an app JWT: RS256 under the app's public key, iss the App ID, issued
   * lately, short-lived.
   */
  private static MatchResult appJwt(Request request) {
    String authorization = request.getHeader("Authorization");
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return MatchResult.noMatch();
    }
    String[] parts = authorization.substring(7).split("\\.");
    if (parts.length != 3) {
      return MatchResult.noMatch();
    }
    try {
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initVerify(KEYS.getPublic());
      signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return MatchResult.noMatch();
      }
      JsonNode claims =
          json(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
      long now = Instant.now().getEpochSecond();
      long iat = claims.path("iat").asLong();
      long exp = claims.path("exp").asLong();
      return MatchResult.of(
          APP_ID.equals(claims.path("iss").asString())
              && iat <= now
              && iat > now - 300
              && exp > now
              && exp - iat <= 600);
    } catch (Exception e) {
      return MatchResult.noMatch();
    }
  }

  /**
   * GitHub knows the installation, in the account {@code owner}, and the user who authorizes with
   * {@code code} can see it.
   */
  private static void githubHasInstallation(String installationId, String owner, String code) {
    GITHUB.stubFor(
        WireMock.post(urlEqualTo("/web/login/oauth/access_token"))
            .andMatching(
                request ->
                    MatchResult.of(
                        form(request.getBodyAsString()).getOrDefault("code", "").equals(code)
                            && CLIENT_SECRET.equals(
                                form(request.getBodyAsString()).get("client_secret"))))
            .willReturn(
                okJson(
                    "{\"access_token\": \"ghu_"
                        + code
                        + "\", \"token_type\": \"bearer\", \"scope\": \"\"}")));
    GITHUB.stubFor(
        WireMock.get(urlPathEqualTo("/api/user/installations/" + installationId + "/repositories"))
            .withHeader("Authorization", equalTo("Bearer ghu_" + code))
            .willReturn(
                okJson("{\"total_count\": 1, \"repositories\": [{\"name\": \"bylaws\"}]}")));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo("/api/app/installations/" + installationId))
            .andMatching(GitHubAppTest::appJwt)
            .willReturn(
                okJson(
                    "{\"id\": "
                        + installationId
                        + ", \"account\": {\"login\": \""
                        + owner
                        + "\", \"type\": \"Organization\"},"
                        + " \"app_id\": "
                        + APP_ID
                        + ", \"target_type\": \"Organization\"}")));
  }

  private static Map<String, String> form(String text) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (text.isEmpty()) {
      return fields;
    }
    for (String pair : text.split("&")) {
      int equals = pair.indexOf('=');
      if (equals > 0) {
        fields.put(
            URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return fields;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String uniqueInstallation() {
    return Long.toString(1_000_000 + (System.nanoTime() & 0xfffffffL));
  }

  /**
   * The install as a browser goes through it, GitHub redirecting back with the given parameters;
   * returns the callback's answer.
   */
  private Response install(String community, String driverState, String callbackParameters) {
    Response authorized =
        send(
            request(
                    "/auth/github/authorize?community="
                        + enc(community)
                        + "&redirect_uri="
                        + enc(DRIVER_REDIRECT)
                        + "&state="
                        + enc(driverState))
                .GET());
    assertThat(authorized.status()).as(authorized.body()).isEqualTo(302);
    URI installationPage = URI.create(authorized.header("Location"));
    assertThat(installationPage.toString())
        .startsWith(GITHUB.baseUrl() + "/web/apps/metagov-test/installations/new?state=");
    String state = form(installationPage.getRawQuery()).get("state");
    return send(
        request("/auth/github/callback?" + callbackParameters + "&state=" + enc(state)).GET());
  }

  private Response hook(String event, String body, String signature) {
    HttpRequest.Builder request =
        request("/api/hooks/github")
            .header("Content-Type", "application/json")
            .header("X-GitHub-Event", event)
            .header("X-GitHub-Delivery", "d-" + System.nanoTime())
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (signature != null) {
      request.header("X-Hub-Signature-256", signature);
    }
    return send(request);
  }

  private static String signature(String secret, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256="
          + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<JsonNode> eventsFor(String community) {
    return DRIVER.findAll(postRequestedFor(urlEqualTo("/events"))).stream()
        .map(r -> json(r.getBodyAsString()))
        .filter(body -> community.equals(body.path("community").asString(null)))
        .toList();
  }

  @Test
  void anInstallBindsTheInstallationAndItsWebhooksReachTheCommunityUntilItIsUninstalled() {
    String slug = uniqueSlug("github-install");
    putCommunity(slug, "[]");
    String installation = uniqueInstallation();
    githubHasInstallation(installation, "Coop-Org", "code-" + installation);

    Response back =
        install(
            slug,
            "driver-state",
            "code=code-"
                + installation
                + "&installation_id="
                + installation
                + "&setup_action=install");
    assertThat(back.status()).as(back.body()).isEqualTo(302);
    assertThat(back.header("Location")).startsWith(DRIVER_REDIRECT + "?");
    assertThat(form(URI.create(back.header("Location")).getRawQuery()))
        .containsEntry("community", slug)
        .containsEntry("state", "driver-state")
        .doesNotContainKey("error");
    JsonNode config =
        get("/api/internal/community/" + slug).json().path("plugins").path(0).path("config");
    assertThat(config.path("installation_id").asString()).isEqualTo(installation);
    assertThat(config.path("owner").asString()).isEqualTo("Coop-Org");
    assertThat(config.path("installation_proof").asString()).isEqualTo("********");

    String comment =
        "{\"action\": \"created\", \"issue\": {\"number\": 7, \"title\": \"Adopt the bylaws\"},"
            + " \"comment\": {\"id\": "
            + System.nanoTime()
            + ", \"body\": \"+1\"}, \"repository\": {\"full_name\": \"Coop-Org/bylaws\"},"
            + " \"sender\": {\"login\": \"ada\", \"type\": \"User\"}, \"installation\": {\"id\": "
            + installation
            + "}}";
    assertProblem(hook("issue_comment", comment, null), 401, "bad_signature");
    assertProblem(
        hook("issue_comment", comment, signature("not-the-webhook-secret", comment)),
        401,
        "bad_signature");
    Response accepted = hook("issue_comment", comment, signature(WEBHOOK_SECRET, comment));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
    assertThat(accepted.json().path("status").asString()).isEqualTo("accepted");
    // GitHub's redelivery of the same payload (under a new delivery id) is a duplicate.
    assertThat(
            hook("issue_comment", comment, signature(WEBHOOK_SECRET, comment))
                .json()
                .path("status")
                .asString())
        .isEqualTo("duplicate");
    await("the comment event")
        .atMost(Duration.ofSeconds(30))
        .until(() -> eventsFor(slug).size() == 1);
    JsonNode event = eventsFor(slug).get(0);
    assertThat(event.path("source").asString()).isEqualTo("github");
    assertThat(event.path("event_type").asString()).isEqualTo("created issue_comment");
    assertThat(event.path("initiator").path("user_id").asString()).isEqualTo("ada");

    String ping = "{\"zen\": \"Design for failure.\", \"hook_id\": 1}";
    Response pinged = hook("ping", ping, signature(WEBHOOK_SECRET, ping));
    assertThat(pinged.status()).isEqualTo(200);

    String deleted =
        "{\"action\": \"deleted\", \"installation\": {\"id\": "
            + installation
            + ", \"account\": {\"login\": \"Coop-Org\"}},"
            + " \"sender\": {\"login\": \"ada\", \"type\": \"User\"}}";
    Response uninstalled = hook("installation", deleted, signature(WEBHOOK_SECRET, deleted));
    assertThat(uninstalled.status()).as(uninstalled.body()).isEqualTo(200);
    assertThat(uninstalled.json().path("uninstalled").asBoolean()).isTrue();
    assertThat(get("/api/internal/community/" + slug).json().path("plugins").size()).isZero();
  }

  @Test
  void anInstallationTheInstallerCannotSeeOrAConfigWrittenByHandIsRefused() {
    String slug = uniqueSlug("github-forged");
    putCommunity(slug, "[]");
    String installation = uniqueInstallation();
    githubHasInstallation(installation, "Victim-Org", "code-" + installation);

    // The attacker authorizes as themselves (their own code) but names the victim's installation.
    githubHasInstallation(uniqueInstallation(), "Attacker-Org", "attacker-code");
    GITHUB.stubFor(
        WireMock.get(urlPathEqualTo("/api/user/installations/" + installation + "/repositories"))
            .withHeader("Authorization", equalTo("Bearer ghu_attacker-code"))
            .willReturn(
                aResponse()
                    .withStatus(404)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"message\": \"Not Found\"}")));
    Response back =
        install(
            slug,
            "s",
            "code=attacker-code&installation_id=" + installation + "&setup_action=install");
    assertThat(back.status()).isEqualTo(302);
    assertThat(form(URI.create(back.header("Location")).getRawQuery()))
        .containsEntry("error", "installation_not_accessible");
    assertThat(get("/api/internal/community/" + slug).json().path("plugins").size()).isZero();

    Response byHand =
        put(
            "/api/internal/community/" + slug,
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"x\", \"plugins\":"
                + " [{\"name\": \"github\", \"config\": {\"installation_id\": \""
                + installation
                + "\", \"owner\": \"Victim-Org\","
                + " \"installation_proof\": \""
                + "0".repeat(64)
                + "\"}}]}");
    assertProblem(byHand, 400, "validation_failed");
    assertThat(get("/api/internal/community/" + slug).json().path("plugins").size()).isZero();
  }

  @Test
  void anIssueReactVoteRunsOnAnIssueTheAppOpensAndClosesWithTheResult() {
    String slug = uniqueSlug("github-vote");
    putCommunity(slug, "[]");
    String installation = uniqueInstallation();
    githubHasInstallation(installation, "Vote-Org", "code-" + installation);
    assertThat(
            form(
                URI.create(
                        install(
                                slug,
                                "v",
                                "code=code-"
                                    + installation
                                    + "&installation_id="
                                    + installation
                                    + "&setup_action=install")
                            .header("Location"))
                    .getRawQuery()))
        .doesNotContainKey("error");
    String token = "ghs_" + installation;
    GITHUB.stubFor(
        WireMock.post(urlEqualTo("/api/app/installations/" + installation + "/access_tokens"))
            .andMatching(GitHubAppTest::appJwt)
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"token\": \""
                            + token
                            + "\", \"expires_at\": \""
                            + Instant.now().plus(Duration.ofHours(1))
                            + "\"}")));
    String repo = "/api/repos/Vote-Org/bylaws";
    String issue =
        "{\"number\": 12, \"state\": \"%s\", \"comments\": 0, \"html_url\": \"https://github.com/Vote-Org/bylaws/issues/12\"}";
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues?state=all&sort=created&direction=desc&per_page=30"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson("[]")));
    GITHUB.stubFor(
        WireMock.post(urlEqualTo(repo + "/issues"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(issue.formatted("open"))));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/12"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson(issue.formatted("open"))));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/12/reactions?per_page=100&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson("[]")));

    String location =
        started(
            slug,
            "github.issue-react-vote",
            "{\"repo_name\": \"bylaws\", \"question\": \"Adopt?\"}");
    JsonNode pending = awaitStatus(slug, location, "pending");
    assertThat(pending.path("url").asString())
        .isEqualTo("https://github.com/Vote-Org/bylaws/issues/12");

    // Someone reacts 👍; a comment on the issue is the hint that makes the process read it again.
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/12/reactions?per_page=100&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                okJson(
                    "[{\"content\": \"+1\", \"user\": {\"login\": \"ada\", \"type\": \"User\"}}]")));
    String comment =
        "{\"action\": \"created\", \"issue\": {\"number\": 12}, \"comment\": {\"id\": "
            + System.nanoTime()
            + "},"
            + " \"repository\": {\"full_name\": \"Vote-Org/bylaws\"}, \"sender\": {\"login\": \"ada\", \"type\": \"User\"},"
            + " \"installation\": {\"id\": "
            + installation
            + "}}";
    assertThat(hook("issue_comment", comment, signature(WEBHOOK_SECRET, comment)).status())
        .isEqualTo(200);
    awaitRecord(
        slug,
        location,
        "ada's vote",
        r -> r.path("outcome").path("votes").path("yes").path("count").asInt() == 1);

    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/12/comments?per_page=30&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson("[]")));
    GITHUB.stubFor(
        WireMock.post(urlEqualTo(repo + "/issues/12/comments"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"id\": 1}")));
    GITHUB.stubFor(
        WireMock.patch(urlEqualTo(repo + "/issues/12"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson(issue.formatted("closed"))));
    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    JsonNode record = awaitStatus(slug, location, "completed");
    assertThat(record.path("outcome").path("result").asString()).isEqualTo("pass");
    assertThat(record.path("outcome").path("votes").path("yes").path("users"))
        .isEqualTo(json("[\"ada\"]"));
    assertThat(GITHUB.findAll(postRequestedFor(urlEqualTo(repo + "/issues/12/comments"))))
        .hasSize(1);
  }

  /**
   * Installs the app for a community in the account {@code owner}; returns the installation token
   * GitHub mints for it.
   */
  private String installedWithToken(String slug, String owner) {
    putCommunity(slug, "[]");
    String installation = uniqueInstallation();
    githubHasInstallation(installation, owner, "code-" + installation);
    assertThat(
            form(
                URI.create(
                        install(
                                slug,
                                "v",
                                "code=code-"
                                    + installation
                                    + "&installation_id="
                                    + installation
                                    + "&setup_action=install")
                            .header("Location"))
                    .getRawQuery()))
        .doesNotContainKey("error");
    String token = "ghs_" + installation;
    GITHUB.stubFor(
        WireMock.post(urlEqualTo("/api/app/installations/" + installation + "/access_tokens"))
            .andMatching(GitHubAppTest::appJwt)
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"token\": \""
                            + token
                            + "\", \"expires_at\": \""
                            + Instant.now().plus(Duration.ofHours(1))
                            + "\"}")));
    return token;
  }

  @Test
  void aVoteWithMaxVotesClosesItselfAtTheReconciliationThatFindsThemAndCallsTheDriverBack() {
    String slug = uniqueSlug("github-max");
    String token = installedWithToken(slug, "Max-Org");
    String repo = "/api/repos/Max-Org/charter";
    String issue =
        "{\"number\": 3, \"state\": \"%s\", \"comments\": 0, \"html_url\": \"https://github.com/Max-Org/charter/issues/3\"}";
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues?state=all&sort=created&direction=desc&per_page=30"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson("[]")));
    GITHUB.stubFor(
        WireMock.post(urlEqualTo(repo + "/issues"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(issue.formatted("open"))));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/3"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson(issue.formatted("open"))));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/3/reactions?per_page=100&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                okJson(
                    "[{\"content\": \"+1\", \"user\": {\"login\": \"ada\", \"type\": \"User\"}}]")));
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/3/comments?per_page=30&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson("[]")));
    GITHUB.stubFor(
        WireMock.post(urlEqualTo(repo + "/issues/3/comments"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"id\": 1}")));
    GITHUB.stubFor(
        WireMock.patch(urlEqualTo(repo + "/issues/3"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(okJson(issue.formatted("closed"))));

    String location =
        started(
            slug,
            "github.issue-react-vote",
            "{\"repo_name\": \"charter\", \"question\": \"Ratify?\","
                + " \"max_votes\": 2, \"callback_url\": \""
                + DRIVER.baseUrl()
                + "/callback/"
                + slug
                + "\"}");
    awaitRecord(
        slug,
        location,
        "ada's vote",
        r ->
            "pending".equals(r.path("status").asString())
                && r.path("outcome").path("votes").path("yes").path("count").asInt() == 1);

    // bob reacts 👎. GitHub sends no webhook for reactions: the next reconciliation finds two votes
    // and closes.
    GITHUB.stubFor(
        WireMock.get(urlEqualTo(repo + "/issues/3/reactions?per_page=100&page=1"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                okJson(
                    "[{\"content\": \"+1\", \"user\": {\"login\": \"ada\", \"type\": \"User\"}},"
                        + " {\"content\": \"-1\", \"user\": {\"login\": \"bob\", \"type\": \"User\"}}]")));
    assertThat(record(slug, location).path("status").asString()).isEqualTo("pending");
    skip(Duration.ofDays(1).plusMinutes(1));
    JsonNode completed = awaitStatus(slug, location, "completed");
    assertThat(completed.path("outcome").path("result").asString()).isEqualTo("tie");
    assertThat(completed.path("outcome").path("votes").path("no").path("users"))
        .isEqualTo(json("[\"bob\"]"));
    List<com.github.tomakehurst.wiremock.verification.LoggedRequest> results =
        GITHUB.findAll(postRequestedFor(urlEqualTo(repo + "/issues/3/comments")));
    assertThat(results).hasSize(1);
    assertThat(json(results.get(0).getBodyAsString()).path("body").asString())
        .contains("1 for", "1 against", "tie");
    assertThat(GITHUB.findAll(WireMock.patchRequestedFor(urlEqualTo(repo + "/issues/3"))))
        .extracting(r -> json(r.getBodyAsString()))
        .containsExactly(json("{\"state\": \"closed\"}"));

    String deliveryId = "process-" + idOf(location) + "-result";
    await("the result callback")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !DRIVER.findAll(postRequestedFor(urlEqualTo("/callback/" + slug))).isEmpty());
    JsonNode callback =
        json(
            DRIVER
                .findAll(postRequestedFor(urlEqualTo("/callback/" + slug)))
                .get(0)
                .getBodyAsString());
    assertThat(callback.path("status").asString()).isEqualTo("completed");
    assertThat(callback.path("outcome")).isEqualTo(completed.path("outcome"));
    awaitDeliveryClosed(deliveryId);
    assertProblem(deleteAs(slug, location), 409, "process_ended");
  }

  @Test
  void aSuspendedInstallationStaysBoundTheDriverIsToldAndActionsSaySoUntilItIsUnsuspended() {
    String slug = uniqueSlug("github-suspend");
    String token = installedWithToken(slug, "Paused-Org");
    String installation = token.substring("ghs_".length());
    String issues = "/api/repos/Paused-Org/charter/issues";
    GITHUB.stubFor(
        WireMock.post(urlEqualTo(issues))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"number\": 1}")));
    String createIssue = "{\"parameters\": {\"repo_name\": \"charter\", \"title\": \"Agenda\"}}";
    Response before =
        send(
            "POST",
            "/api/internal/action/github.create-issue",
            createIssue,
            COMMUNITY_HEADER,
            slug);
    assertThat(before.status()).as(before.body()).isEqualTo(200);

    String suspend =
        "{\"action\": \"suspend\", \"installation\": {\"id\": "
            + installation
            + ", \"account\": {\"login\": \"Paused-Org\"},"
            + " \"suspended_by\": {\"login\": \"ada\"}}, \"sender\": {\"login\": \"ada\", \"type\": \"User\"}}";
    Response suspended = hook("installation", suspend, signature(WEBHOOK_SECRET, suspend));
    assertThat(suspended.status()).as(suspended.body()).isEqualTo(200);
    assertThat(suspended.json().path("uninstalled").asBoolean()).isFalse();
    await("the suspend event")
        .atMost(Duration.ofSeconds(30))
        .until(() -> eventsFor(slug).size() == 1);
    assertThat(eventsFor(slug).get(0).path("event_type").asString())
        .isEqualTo("suspend installation");
    assertThat(
            get("/api/internal/community/" + slug)
                .json()
                .path("plugins")
                .path(0)
                .path("name")
                .asString())
        .isEqualTo("github");

    // GitHub refuses the app in a suspended installation: its old token no longer works and no new
    // one is minted.
    String refusal =
        "{\"message\": \"This installation has been suspended\", \"documentation_url\": \"https://docs.github.com/rest\"}";
    StubMapping oldTokenRefused =
        GITHUB.stubFor(
            WireMock.post(urlEqualTo(issues))
                .atPriority(1)
                .willReturn(
                    aResponse()
                        .withStatus(401)
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"message\": \"Bad credentials\"}")));
    StubMapping noNewToken =
        GITHUB.stubFor(
            WireMock.post(urlEqualTo("/api/app/installations/" + installation + "/access_tokens"))
                .atPriority(1)
                .andMatching(GitHubAppTest::appJwt)
                .willReturn(
                    aResponse()
                        .withStatus(403)
                        .withHeader("Content-Type", "application/json")
                        .withBody(refusal)));
    Response during =
        send(
            "POST",
            "/api/internal/action/github.create-issue",
            createIssue,
            COMMUNITY_HEADER,
            slug);
    assertProblem(during, 502, "platform_error");
    assertThat(during.json().path("detail").asString())
        .contains("GitHub App is suspended", installation)
        .doesNotContain("ghs_");

    String unsuspend = suspend.replace("\"suspend\"", "\"unsuspend\"");
    assertThat(hook("installation", unsuspend, signature(WEBHOOK_SECRET, unsuspend)).status())
        .isEqualTo(200);
    await("the unsuspend event")
        .atMost(Duration.ofSeconds(30))
        .until(() -> eventsFor(slug).size() == 2);
    assertThat(eventsFor(slug))
        .extracting(e -> e.path("event_type").asString())
        .containsExactlyInAnyOrder("suspend installation", "unsuspend installation");
    GITHUB.removeStub(oldTokenRefused);
    GITHUB.removeStub(noNewToken);
    Response after =
        send(
            "POST",
            "/api/internal/action/github.create-issue",
            createIssue,
            COMMUNITY_HEADER,
            slug);
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    assertThat(
            GITHUB.findAll(postRequestedFor(urlEqualTo(issues))).stream()
                .filter(r -> ("Bearer " + token).equals(r.getHeader("Authorization"))))
        .hasSize(3);
  }
}

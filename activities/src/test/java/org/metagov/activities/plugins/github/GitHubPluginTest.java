package org.metagov.activities.plugins.github;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.matching.MatchResult;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InstalledApp.AppWebhookRoute;
import org.metagov.activities.plugin.InstalledApp.InstallRefusedException;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginState;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The GitHub plugin against a fake GitHub (WireMock on 127.0.0.1) that checks credentials as GitHub
 * does: app endpoints want an RS256 JWT that the app's public key verifies, with a fresh {@code
 * iat} and an {@code exp} at most ten minutes later; installation endpoints want the token the fake
 * minted.
 */
class GitHubPluginTest {

  private static final String APP_ID = "123456";
  private static final String SLUG = "metagov-test";
  private static final String WEBHOOK_SECRET = "whsec-for-tests-only";
  private static final String CLIENT_ID = "Iv1.abcdef0123456789";
  private static final String CLIENT_SECRET = "client-secret-for-tests";
  private static final String INSTALLATION = "4242";
  private static final Instant START = Instant.parse("2030-03-01T12:00:00Z");

  private static KeyPair keys;

  private WireMockServer github;
  private MutableClock clock;
  private GitHubPlugin plugin;
  private PlatformHttp http;

  @BeforeAll
  static void generateKeys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    keys = generator.generateKeyPair();
  }

  @BeforeEach
  void setUp() {
    github =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    github.start();
    // Anything the stubs below do not accept is answered as GitHub answers a bad credential.
    github.stubFor(
        any(anyUrl())
            .atPriority(10)
            .willReturn(
                aResponse()
                    .withStatus(401)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"message\": \"Bad credentials\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
    clock = new MutableClock(START);
    plugin = new GitHubPlugin(properties(pkcs8Pem()), clock);
    http =
        new PlatformHttp(
            new OutboundUrlPolicy(false),
            new OutboundHttp.Limits(Duration.ofSeconds(2), Duration.ofSeconds(5), 4 * 1024 * 1024));
  }

  @AfterEach
  void tearDown() {
    github.stop();
  }

  private GitHubProperties properties(String privateKey) {
    return new GitHubProperties(
        APP_ID,
        SLUG,
        privateKey,
        CLIENT_ID,
        CLIENT_SECRET,
        WEBHOOK_SECRET,
        github.baseUrl() + "/api",
        github.baseUrl() + "/web");
  }

  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  static final class MemoryState implements PluginState {
    final Map<String, JsonNode> values = new HashMap<>();

    @Override
    public JsonNode get(String key) {
      return values.get(key);
    }

    @Override
    public void set(String key, JsonNode value) {
      values.put(key, value);
    }
  }

  // --- the fake's credential checks
  // -------------------------------------------------------------------

  private static String pkcs8Pem() {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(keys.getPrivate().getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  /**
   * The PKCS#1 RSAPrivateKey inside the JDK's PKCS#8 encoding (after its fixed 26-byte header for a
   * 2048-bit key).
   */
  private static byte[] pkcs1() {
    byte[] pkcs8 = keys.getPrivate().getEncoded();
    return Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
  }

  /**
   * Whether a request carries a JWT as GitHub accepts it: RS256 by the app's key, iss the App ID,
   * fresh.
   */
  private MatchResult appJwt(Request request) {
    JsonNode claims = verifiedClaims(request.getHeader("Authorization"), keys.getPublic());
    if (claims == null) {
      return MatchResult.noMatch();
    }
    long now = clock.instant().getEpochSecond();
    long iat = claims.path("iat").asLong();
    long exp = claims.path("exp").asLong();
    boolean fresh = iat <= now && iat >= now - 120 && exp > now && exp - iat <= 600;
    return MatchResult.of(fresh && APP_ID.equals(claims.path("iss").asString()));
  }

  static JsonNode verifiedClaims(String authorization, PublicKey key) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return null;
    }
    String[] parts = authorization.substring(7).split("\\.");
    if (parts.length != 3) {
      return null;
    }
    try {
      JsonNode header =
          Json.parse(new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8));
      if (!"RS256".equals(header.path("alg").asString())) {
        return null;
      }
      Signature signature = Signature.getInstance("SHA256withRSA");
      signature.initVerify(key);
      signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
      if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
        return null;
      }
      return Json.parse(
          new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    } catch (Exception e) {
      return null;
    }
  }

  private void stubAsApp(MappingBuilder mapping, int status, String json) {
    github.stubFor(
        mapping
            .andMatching(this::appJwt)
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json; charset=utf-8")
                    .withBody(json)));
  }

  private static final String INSTALLATION_JSON =
      """
      {"id": 4242, "account": {"login": "Coop-Org", "id": 77, "type": "Organization"},
       "app_id": 123456, "app_slug": "metagov-test", "target_type": "Organization",
       "permissions": {"issues": "write", "metadata": "read"}, "events": ["issues", "issue_comment"]}
      """;

  private void githubMintsTokens(String... tokens) {
    String path = "/api/app/installations/" + INSTALLATION + "/access_tokens";
    for (int i = 0; i < tokens.length; i++) {
      String scenarioState =
          i == 0 ? com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED : "minted-" + i;
      github.stubFor(
          post(urlEqualTo(path))
              .inScenario("tokens")
              .whenScenarioStateIs(scenarioState)
              .willSetStateTo("minted-" + (i + 1))
              .andMatching(this::appJwt)
              .willReturn(
                  aResponse()
                      .withStatus(201)
                      .withHeader("Content-Type", "application/json")
                      .withBody(
                          "{\"token\": \""
                              + tokens[i]
                              + "\", \"expires_at\": \""
                              + clock.instant().plus(Duration.ofHours(1))
                              + "\", \"permissions\": {\"issues\": \"write\"}, \"repository_selection\": \"all\"}")));
    }
  }

  private void githubAcceptsIssuesWith(String token) {
    github.stubFor(
        post(urlEqualTo("/api/repos/Coop-Org/bylaws/issues"))
            .withHeader("Authorization", equalTo("Bearer " + token))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"number\": 7, \"html_url\": \"https://github.com/Coop-Org/bylaws/issues/7\", \"title\": \"Vote\"}")));
  }

  private PluginContext context() {
    ObjectNode config = Json.object();
    config.put("installation_id", INSTALLATION);
    config.put("owner", "Coop-Org");
    config.put("owner_type", "Organization");
    config.put("installation_proof", ((GitHubApp) plugin.installedApp()).proof(INSTALLATION));
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    return new PluginContext("coop", config, http, new MemoryState());
  }

  private ActionSpec action(String name) {
    return plugin.actions().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
  }

  private JsonNode run(PluginContext context, String action, String parameters) {
    ActionSpec spec = action(action);
    JsonNode input = Json.parse(parameters);
    Schemas.requireValid(spec.inputSchema(), input, "parameters", "parameters");
    return spec.action().run(context, input);
  }

  // --- the app's JWT
  // ------------------------------------------------------------------------------------

  @Test
  void appCallsCarryAnRs256JwtOfTheAppBackdatedAMinuteAndShortLived() {
    stubAsApp(get(urlEqualTo("/api/app/installations/" + INSTALLATION)), 200, INSTALLATION_JSON);
    JsonNode installation = run(context(), "get-installation", "{}");
    assertThat(installation.path("account").path("login").asString()).isEqualTo("Coop-Org");

    LoggedRequest call =
        github
            .findAll(
                com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                    urlEqualTo("/api/app/installations/" + INSTALLATION)))
            .get(0);
    JsonNode claims = verifiedClaims(call.getHeader("Authorization"), keys.getPublic());
    assertThat(claims).isNotNull();
    assertThat(claims.path("iat").asLong()).isEqualTo(START.getEpochSecond() - 60);
    assertThat(claims.path("exp").asLong()).isEqualTo(START.getEpochSecond() + 540);
    assertThat(call.getHeader("Accept")).isEqualTo("application/vnd.github+json");
    assertThat(call.getHeader("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
  }

  @Test
  void aPkcs1KeyAsGitHubDownloadsItSignsTheSameAsItsPkcs8Form() throws Exception {
    assertThat(AppJwt.pkcs8(pkcs1())).isEqualTo(keys.getPrivate().getEncoded());
    // As it often comes in an environment variable: on one line, with \n for each newline.
    String pkcs1Pem =
        ("-----BEGIN RSA PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pkcs1())
                + "\n-----END RSA PRIVATE KEY-----")
            .replace("\n", "\\n");
    AppJwt jwt = new AppJwt(properties(pkcs1Pem), clock);
    assertThat(verifiedClaims("Bearer " + jwt.token(), keys.getPublic())).isNotNull();

    KeyPair other = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    assertThat(verifiedClaims("Bearer " + jwt.token(), other.getPublic())).isNull();
    assertThatThrownBy(() -> new AppJwt(properties("not a key"), clock).token())
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.REJECTED);
              assertThat(e.getMessage()).contains("GITHUB_APP_PRIVATE_KEY");
            });
  }

  @Test
  void aJwtFromAnotherKeyIsRefusedByTheFakeAsByGitHub() throws Exception {
    KeyPair other = KeyPairGenerator.getInstance("RSA").generateKeyPair();
    String otherPem =
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(other.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----";
    GitHubPlugin impostor = new GitHubPlugin(properties(otherPem), clock);
    stubAsApp(get(urlEqualTo("/api/app/installations/" + INSTALLATION)), 200, INSTALLATION_JSON);
    ActionSpec spec =
        impostor.actions().stream()
            .filter(a -> a.name().equals("get-installation"))
            .findFirst()
            .orElseThrow();
    assertThatThrownBy(() -> spec.action().run(context(), Json.object()))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(401);
              assertThat(e.getMessage()).contains("Bad credentials");
            });
  }

  // --- install
  // ------------------------------------------------------------------------------------------

  private static final URI CALLBACK = URI.create("https://metagov.example/auth/github/callback");

  private void githubAuthorizesTheInstaller(String code, int installationAccess) {
    github.stubFor(
        post(urlEqualTo("/web/login/oauth/access_token"))
            .andMatching(
                request ->
                    MatchResult.of(
                        form(request.getBodyAsString())
                            .equals(
                                Map.of(
                                    "client_id",
                                    CLIENT_ID,
                                    "client_secret",
                                    CLIENT_SECRET,
                                    "code",
                                    code,
                                    "redirect_uri",
                                    CALLBACK.toString()))))
            .willReturn(
                okJson(
                    "{\"access_token\": \"ghu_installer\", \"token_type\": \"bearer\", \"scope\": \"\"}")));
    github.stubFor(
        post(urlEqualTo("/web/login/oauth/access_token"))
            .atPriority(9)
            .willReturn(
                okJson(
                    "{\"error\": \"bad_verification_code\", \"error_description\": \"The code passed is incorrect or expired.\"}")));
    github.stubFor(
        get(urlPathEqualTo("/api/user/installations/" + INSTALLATION + "/repositories"))
            .withHeader("Authorization", equalTo("Bearer ghu_installer"))
            .willReturn(
                installationAccess == 200
                    ? okJson("{\"total_count\": 1, \"repositories\": [{\"name\": \"bylaws\"}]}")
                    : aResponse()
                        .withStatus(installationAccess)
                        .withHeader("Content-Type", "application/json")
                        .withBody(
                            "{\"message\": \"Not Found\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int equals = pair.indexOf('=');
      fields.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return fields;
  }

  private static Map<String, String> callback(String... pairs) {
    Map<String, String> callback = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      callback.put(pairs[i], pairs[i + 1]);
    }
    return callback;
  }

  @Test
  void theAuthorizeUrlIsTheAppsInstallationPageWithTheState() {
    URI url = plugin.installedApp().authorizeUrl("s+t/ate", CALLBACK);
    assertThat(url.toString())
        .isEqualTo(
            github.baseUrl()
                + "/web/apps/metagov-test/installations/new?state="
                + URLEncoder.encode("s+t/ate", StandardCharsets.UTF_8));
    assertThat(plugin.installedApp().installationKeyField()).isEqualTo("installation_id");
    assertThat(plugin.installedApp().configured()).isTrue();
    assertThat(
            new GitHubPlugin(
                    new GitHubProperties(
                        APP_ID,
                        SLUG,
                        pkcs8Pem(),
                        CLIENT_ID,
                        CLIENT_SECRET,
                        "",
                        "https://api.github.com",
                        "https://github.com"))
                .installedApp()
                .configured())
        .isFalse();
  }

  @Test
  void installChecksTheInstallerCanSeeTheInstallationAndConfirmsItAsTheApp() {
    githubAuthorizesTheInstaller("code-1", 200);
    stubAsApp(get(urlEqualTo("/api/app/installations/" + INSTALLATION)), 200, INSTALLATION_JSON);

    ObjectNode config =
        plugin
            .installedApp()
            .install(
                http,
                callback(
                    "installation_id", INSTALLATION, "setup_action", "install", "code", "code-1"),
                CALLBACK);

    assertThat(config.path("installation_id").asString()).isEqualTo(INSTALLATION);
    assertThat(config.path("owner").asString()).isEqualTo("Coop-Org");
    assertThat(config.path("owner_type").asString()).isEqualTo("Organization");
    assertThat(config.path("installation_proof").asString()).hasSize(64);
    assertThat(config.toString()).doesNotContain("ghu_installer");
    assertThat(Schemas.validate(plugin.configSchema(), config, "config")).isEmpty();
    assertThatCode(
            () -> plugin.onEnable(new PluginContext("coop", config, http, new MemoryState()), null))
        .doesNotThrowAnyException();
  }

  @Test
  void installIsRefusedWithoutProofThatTheInstallerHoldsTheInstallation() {
    githubAuthorizesTheInstaller("code-1", 404);
    stubAsApp(get(urlEqualTo("/api/app/installations/" + INSTALLATION)), 200, INSTALLATION_JSON);

    assertRefused(
        callback("installation_id", INSTALLATION, "setup_action", "install", "code", "code-1"),
        "installation_not_accessible");
    assertRefused(
        callback("installation_id", INSTALLATION, "setup_action", "install"),
        "user_authorization_required");
    assertRefused(
        callback("installation_id", INSTALLATION, "setup_action", "install", "code", "stale"),
        "bad_verification_code");
    assertRefused(callback("setup_action", "request", "code", "code-1"), "installation_requested");
    assertRefused(callback("installation_id", "42; drop", "code", "code-1"), "invalid_request");
    assertRefused(callback("code", "code-1"), "invalid_request");
  }

  @Test
  void anInstallationGitHubDoesNotKnowIsRefused() {
    githubAuthorizesTheInstaller("code-1", 200);
    stubAsApp(
        get(urlEqualTo("/api/app/installations/" + INSTALLATION)),
        404,
        "{\"message\": \"Not Found\", \"documentation_url\": \"https://docs.github.com/rest\"}");
    assertRefused(
        callback("installation_id", INSTALLATION, "code", "code-1"), "installation_not_found");
  }

  private void assertRefused(Map<String, String> callback, String code) {
    assertThatThrownBy(() -> plugin.installedApp().install(http, callback, CALLBACK))
        .isInstanceOfSatisfying(
            InstallRefusedException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void aConfigWrittenByHandWithoutTheInstallFlowsProofIsRefused() {
    PluginContext genuine = context();
    assertThatCode(() -> plugin.onEnable(genuine, null)).doesNotThrowAnyException();
    ObjectNode forged = genuine.config().deepCopy();
    forged.put("installation_id", "9999");
    assertThatThrownBy(
            () -> plugin.onEnable(new PluginContext("coop", forged, http, new MemoryState()), null))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("installation_proof");
    ObjectNode missing = genuine.config().deepCopy();
    missing.remove("installation_proof");
    assertThatThrownBy(
            () ->
                plugin.onEnable(new PluginContext("coop", missing, http, new MemoryState()), null))
        .isInstanceOf(InvalidInputException.class);
  }

  // --- webhooks
  // ------------------------------------------------------------------------------------------

  private static Map<String, String> signed(String event, String body) {
    Map<String, String> headers = new HashMap<>();
    headers.put("content-type", "application/json");
    headers.put("x-github-event", event);
    headers.put("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    headers.put(
        "x-hub-signature-256",
        "sha256="
            + WebhookSignatures.hmacSha256Hex(
                WEBHOOK_SECRET, body.getBytes(StandardCharsets.UTF_8)));
    return headers;
  }

  private static WebhookRequest unrouted(Map<String, String> headers, String body) {
    return new WebhookRequest(null, null, null, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static final String COMMENT =
      """
      {"action": "created",
       "issue": {"number": 7, "title": "Adopt the bylaws", "state": "open"},
       "comment": {"id": 501, "body": "+1"},
       "repository": {"name": "bylaws", "full_name": "Coop-Org/bylaws"},
       "sender": {"login": "ada", "id": 9, "type": "User"},
       "installation": {"id": 4242}}
      """;

  @Test
  void webhooksMustCarryTheWebhookSecretsSignatureOfTheirBody() {
    assertThatCode(
            () ->
                plugin.webhookHandler().verify(unrouted(signed("issue_comment", COMMENT), COMMENT)))
        .doesNotThrowAnyException();
    Map<String, String> upperHex = signed("issue_comment", COMMENT);
    upperHex.put(
        "x-hub-signature-256",
        upperHex.get("x-hub-signature-256").toUpperCase().replace("SHA256=", "sha256="));
    assertThatCode(() -> plugin.webhookHandler().verify(unrouted(upperHex, COMMENT)))
        .doesNotThrowAnyException();

    assertThatThrownBy(
            () ->
                plugin
                    .webhookHandler()
                    .verify(
                        unrouted(signed("issue_comment", COMMENT), COMMENT.replace("+1", "-1"))))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("does not match");
    Map<String, String> missing = signed("issue_comment", COMMENT);
    missing.remove("x-hub-signature-256");
    assertThatThrownBy(() -> plugin.webhookHandler().verify(unrouted(missing, COMMENT)))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("no X-Hub-Signature-256");
    Map<String, String> sha1 = signed("issue_comment", COMMENT);
    sha1.put("x-hub-signature-256", "sha1=0123456789abcdef0123456789abcdef01234567");
    assertThatThrownBy(() -> plugin.webhookHandler().verify(unrouted(sha1, COMMENT)))
        .isInstanceOf(WebhookRejectedException.class)
        .hasMessageContaining("malformed");
    Map<String, String> otherSecret = signed("issue_comment", COMMENT);
    otherSecret.put(
        "x-hub-signature-256",
        "sha256="
            + WebhookSignatures.hmacSha256Hex(
                "another secret", COMMENT.getBytes(StandardCharsets.UTF_8)));
    assertThatThrownBy(() -> plugin.webhookHandler().verify(unrouted(otherSecret, COMMENT)))
        .isInstanceOf(WebhookRejectedException.class);
  }

  @Test
  void webhooksAreRoutedByInstallationAndAnUninstallSaysSo() {
    AppWebhookRoute comment =
        plugin.installedApp().route(unrouted(signed("issue_comment", COMMENT), COMMENT));
    assertThat(comment)
        .isInstanceOfSatisfying(
            AppWebhookRoute.Deliver.class,
            deliver -> {
              assertThat(deliver.installationKey()).isEqualTo(INSTALLATION);
              assertThat(deliver.identityContent())
                  .isEqualTo(COMMENT.getBytes(StandardCharsets.UTF_8));
              assertThat(deliver.reply()).isNull();
              assertThat(deliver.uninstalled()).isFalse();
            });

    String deleted =
        "{\"action\": \"deleted\", \"installation\": {\"id\": 4242, \"account\": {\"login\": \"Coop-Org\"}},"
            + " \"sender\": {\"login\": \"ada\", \"type\": \"User\"}}";
    assertThat(plugin.installedApp().route(unrouted(signed("installation", deleted), deleted)))
        .isInstanceOfSatisfying(
            AppWebhookRoute.Deliver.class, deliver -> assertThat(deliver.uninstalled()).isTrue());
    String created = deleted.replace("deleted", "created");
    assertThat(plugin.installedApp().route(unrouted(signed("installation", created), created)))
        .isInstanceOfSatisfying(
            AppWebhookRoute.Deliver.class, deliver -> assertThat(deliver.uninstalled()).isFalse());

    String ping =
        "{\"zen\": \"Keep it logically awesome.\", \"hook_id\": 1, \"hook\": {\"type\": \"App\"}}";
    assertThat(plugin.installedApp().route(unrouted(signed("ping", ping), ping)))
        .isEqualTo(new AppWebhookRoute.Reply(200, "text/plain", ""));

    Map<String, String> noEvent = signed("issue_comment", COMMENT);
    noEvent.remove("x-github-event");
    assertThatThrownBy(() -> plugin.installedApp().route(unrouted(noEvent, COMMENT)))
        .isInstanceOf(InvalidInputException.class);
  }

  @Test
  void aWebhookIsOneEventNamedActionAndEventByItsSenderAndHintsAtItsIssue() {
    ParsedWebhook parsed =
        plugin.webhookHandler().parse(unrouted(signed("issue_comment", COMMENT), COMMENT));
    assertThat(parsed.eventType()).isEqualTo("created issue_comment");
    assertThat(parsed.routingKeys()).containsExactly("issue:coop-org/bylaws#7");
    assertThat(parsed.processInput()).isNull();
    assertThat(parsed.events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.eventType()).isEqualTo("created issue_comment");
              assertThat(event.initiatorUserId()).isEqualTo("ada");
              assertThat(event.initiatorIsMetagovBot()).isFalse();
              assertThat(event.data().path("comment").path("body").asString()).isEqualTo("+1");
            });

    String byTheApp =
        COMMENT.replace(
            "{\"login\": \"ada\", \"id\": 9, \"type\": \"User\"}",
            "{\"login\": \"metagov-test[bot]\", \"id\": 10, \"type\": \"Bot\"}");
    assertThat(
            plugin
                .webhookHandler()
                .parse(unrouted(signed("issue_comment", byTheApp), byTheApp))
                .events()
                .get(0)
                .initiatorIsMetagovBot())
        .isTrue();

    String push =
        "{\"ref\": \"refs/heads/main\", \"sender\": {\"login\": \"ada\"}, \"installation\": {\"id\": 4242}}";
    ParsedWebhook pushed = plugin.webhookHandler().parse(unrouted(signed("push", push), push));
    assertThat(pushed.eventType()).isEqualTo("push");
    assertThat(pushed.routingKeys()).isEmpty();

    String form = "payload=" + URLEncoder.encode(COMMENT, StandardCharsets.UTF_8);
    Map<String, String> formHeaders = signed("issue_comment", form);
    formHeaders.put("content-type", "application/x-www-form-urlencoded");
    assertThat(plugin.webhookHandler().parse(unrouted(formHeaders, form)).eventType())
        .isEqualTo("created issue_comment");
    assertThat(plugin.installedApp().route(unrouted(formHeaders, form)))
        .isInstanceOfSatisfying(
            AppWebhookRoute.Deliver.class,
            d -> assertThat(d.installationKey()).isEqualTo(INSTALLATION));

    assertThatThrownBy(
            () -> plugin.webhookHandler().parse(unrouted(signed("issues", "[1]"), "[1]")))
        .isInstanceOf(InvalidInputException.class);
  }

  // --- installation tokens
  // ----------------------------------------------------------------------------------

  @Test
  void anInstallationTokenIsMintedOnceAndReplacedShortlyBeforeItExpires() {
    PluginContext context = context();
    githubMintsTokens("ghs_first", "ghs_second");
    githubAcceptsIssuesWith("ghs_first");
    githubAcceptsIssuesWith("ghs_second");

    JsonNode issue =
        run(
            context,
            "create-issue",
            "{\"repo_name\": \"bylaws\", \"title\": \"Vote\", \"body\": \"Adopt?\"}");
    assertThat(issue.path("number").asInt()).isEqualTo(7);
    run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Again\"}");
    clock.advance(Duration.ofMinutes(54));
    run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Still cached\"}");
    assertThat(tokenMints()).isEqualTo(1);

    clock.advance(Duration.ofMinutes(2));
    run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Fresh token\"}");
    assertThat(tokenMints()).isEqualTo(2);
    List<LoggedRequest> issues =
        github.findAll(postRequestedFor(urlEqualTo("/api/repos/Coop-Org/bylaws/issues")));
    assertThat(issues)
        .extracting(r -> r.getHeader("Authorization"))
        .containsExactly(
            "Bearer ghs_first", "Bearer ghs_first", "Bearer ghs_first", "Bearer ghs_second");
    assertThat(Json.parse(issues.get(0).getBodyAsString()))
        .isEqualTo(Json.parse("{\"title\": \"Vote\", \"body\": \"Adopt?\"}"));
  }

  @Test
  void aTokenGitHubNoLongerAcceptsIsDroppedAndTheCallMadeOnceMoreWithAFreshOne() {
    PluginContext context = context();
    githubMintsTokens("ghs_revoked", "ghs_fresh");
    githubAcceptsIssuesWith("ghs_fresh");

    run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}");
    assertThat(tokenMints()).isEqualTo(2);
    assertThat(github.findAll(postRequestedFor(urlEqualTo("/api/repos/Coop-Org/bylaws/issues"))))
        .extracting(r -> r.getHeader("Authorization"))
        .containsExactly("Bearer ghs_revoked", "Bearer ghs_fresh");
  }

  private static final String SUSPENDED =
      "{\"message\": \"This installation has been suspended\","
          + " \"documentation_url\": \"https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app\"}";

  @Test
  void
      aSuspendedInstallationIsAnEventNotAnUninstallAndActionsSayTheAppIsSuspendedUntilItIsUnsuspended() {
    String suspend =
        "{\"action\": \"suspend\", \"installation\": {\"id\": 4242, \"account\": {\"login\": \"Coop-Org\"},"
            + " \"suspended_at\": \"2030-03-01T12:00:00Z\", \"suspended_by\": {\"login\": \"ada\"}}, \"sender\": {\"login\": \"ada\", \"type\": \"User\"}}";
    assertThat(plugin.installedApp().route(unrouted(signed("installation", suspend), suspend)))
        .isInstanceOfSatisfying(
            AppWebhookRoute.Deliver.class,
            deliver -> {
              assertThat(deliver.installationKey()).isEqualTo(INSTALLATION);
              assertThat(deliver.uninstalled()).isFalse();
            });
    assertThat(
            plugin
                .webhookHandler()
                .parse(unrouted(signed("installation", suspend), suspend))
                .events())
        .singleElement()
        .satisfies(
            event -> {
              assertThat(event.eventType()).isEqualTo("suspend installation");
              assertThat(event.initiatorUserId()).isEqualTo("ada");
            });
    String unsuspend = suspend.replace("\"suspend\"", "\"unsuspend\"");
    assertThat(
            plugin
                .webhookHandler()
                .parse(unrouted(signed("installation", unsuspend), unsuspend))
                .eventType())
        .isEqualTo("unsuspend installation");

    // A token minted before the suspension is refused as GitHub refuses calls in a suspended
    // installation.
    PluginContext context = context();
    githubMintsTokens("ghs_before");
    githubAcceptsIssuesWith("ghs_before");
    run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Before\"}");
    github.stubFor(
        post(urlEqualTo("/api/repos/Coop-Org/bylaws/issues"))
            .atPriority(1)
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withBody(SUSPENDED)));
    stubAsApp(
        post(urlEqualTo("/api/app/installations/" + INSTALLATION + "/access_tokens")).atPriority(1),
        403,
        SUSPENDED);
    for (int attempt = 0; attempt < 2; attempt++) {
      assertThatThrownBy(
              () ->
                  run(
                      context,
                      "create-issue",
                      "{\"repo_name\": \"bylaws\", \"title\": \"During\"}"))
          .isInstanceOfSatisfying(
              PlatformException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(Kind.REJECTED);
                assertThat(e.platformStatus()).isEqualTo(403);
                assertThat(e.getMessage())
                    .contains("suspended in its installation 4242", "unsuspends it")
                    .doesNotContain("ghs_");
              });
    }
    // The refused token was dropped: the second attempt asked GitHub for a new one, which it
    // refused.
    assertThat(tokenMints()).isEqualTo(2);
    assertThat(github.findAll(postRequestedFor(urlEqualTo("/api/repos/Coop-Org/bylaws/issues"))))
        .hasSize(2);

    // Unsuspended: GitHub mints tokens again and the app acts.
    github.resetAll();
    github.stubFor(any(anyUrl()).atPriority(10).willReturn(aResponse().withStatus(401)));
    githubMintsTokens("ghs_after");
    githubAcceptsIssuesWith("ghs_after");
    assertThat(
            run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"After\"}")
                .path("number")
                .asInt())
        .isEqualTo(7);
  }

  @Test
  void theMethodActionCallsOnlyAllowListedRoutesInTheInstallationsAccount() {
    PluginContext context = context();
    githubMintsTokens("ghs_first");
    github.stubFor(
        get(urlEqualTo("/api/repos/Coop-Org/bylaws/issues?state=open&per_page=50"))
            .withHeader("Authorization", equalTo("Bearer ghs_first"))
            .willReturn(okJson("[{\"number\": 7, \"title\": \"Adopt the bylaws\"}]")));
    github.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.patch(
                urlEqualTo("/api/repos/Coop-Org/bylaws/issues/7"))
            .withHeader("Authorization", equalTo("Bearer ghs_first"))
            .willReturn(okJson("{\"number\": 7, \"state\": \"closed\"}")));

    JsonNode listed =
        run(
            context,
            "method",
            "{\"route\": \"/repos/Coop-Org/bylaws/issues?state=open&per_page=50\"}");
    assertThat(listed.path("items").path(0).path("number").asInt()).isEqualTo(7);
    JsonNode closed =
        run(
            context,
            "method",
            "{\"route\": \"/repos/Coop-Org/bylaws/issues/7\", \"method\": \"PATCH\", \"body\": {\"state\": \"closed\"}}");
    assertThat(closed.path("state").asString()).isEqualTo("closed");
    assertThat(
            Json.parse(
                github
                    .findAll(
                        com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(
                            urlEqualTo("/api/repos/Coop-Org/bylaws/issues/7")))
                    .get(0)
                    .getBodyAsString()))
        .isEqualTo(Json.parse("{\"state\": \"closed\"}"));

    for (String refused :
        List.of(
            "/repos/Other-Org/bylaws/issues",
            "/repos/Coop-Org/bylaws/hooks",
            "/repos/Coop-Org/bylaws/keys",
            "/repos/Coop-Org/bylaws/actions/secrets",
            "/repos/Coop-Org/../Other-Org/x/issues",
            "/repos/Coop-Org//issues",
            "/orgs/Coop-Org/hooks",
            "/app/installations/4242/access_tokens",
            "/repos/Coop-Org",
            "https://evil.example/repos/Coop-Org/x/issues",
            "/repos/Coop-Org/bylaws/issues?x=<script>")) {
      assertThatThrownBy(() -> run(context, "method", "{\"route\": \"" + refused + "\"}"))
          .as(refused)
          .isInstanceOf(InvalidInputException.class);
    }
    assertThatThrownBy(
            () ->
                run(
                    context,
                    "method",
                    "{\"route\": \"/repos/Coop-Org/bylaws\", \"method\": \"DELETE\"}"))
        .isInstanceOf(InvalidInputException.class);
    assertThat(GitHubPlugin.allowed("GET", "/repos/Coop-Org/bylaws", "coop-org")).isTrue();
    assertThat(GitHubPlugin.allowed("GET", "/orgs/Coop-Org/members", "Coop-Org")).isTrue();
    assertThat(GitHubPlugin.allowed("GET", "/installation/repositories", "Coop-Org")).isTrue();
    assertThat(tokenMints()).isEqualTo(1);
  }

  // --- issue-react-vote
  // ------------------------------------------------------------------------------------

  private static final String REPO = "/api/repos/Coop-Org/bylaws";

  private void githubAnswers(MappingBuilder mapping, String json) {
    github.stubFor(
        mapping.withHeader("Authorization", equalTo("Bearer ghs_first")).willReturn(okJson(json)));
  }

  private static String issue(String state, int comments, String body) {
    return "{\"number\": 12, \"state\": \""
        + state
        + "\", \"comments\": "
        + comments
        + ", \"title\": \"Adopt the bylaws?\","
        + " \"html_url\": \"https://github.com/Coop-Org/bylaws/issues/12\", \"body\": "
        + Json.write(Json.MAPPER.getNodeFactory().stringNode(body))
        + ", \"user\": {\"login\": \"metagov-test[bot]\", \"type\": \"Bot\"}}";
  }

  @Test
  void anIssueReactVoteOpensOneIssueCountsPeoplesThumbsAndClosesWithTheResult() {
    PluginContext context = context();
    githubMintsTokens("ghs_first");
    org.metagov.activities.plugin.ProcessAdapter vote = plugin.processes().get(0).adapter();
    JsonNode parameters =
        Json.parse(
            "{\"repo_name\": \"bylaws\", \"question\": \"Adopt the bylaws?\", \"help_text\": \"See PR 3.\"}");
    Schemas.requireValid(
        plugin.processes().get(0).inputSchema(), parameters, "parameters", "parameters");
    var process =
        new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
            5, "coop", parameters, null);
    String tag = IssueReactVote.processTag("coop", 5);
    githubAnswers(
        get(urlEqualTo(REPO + "/issues?state=all&sort=created&direction=desc&per_page=30")), "[]");
    github.stubFor(
        post(urlEqualTo(REPO + "/issues"))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody(issue("open", 0, "See PR 3.\n\nVote...\n\n" + tag))));
    githubAnswers(get(urlEqualTo(REPO + "/issues/12/reactions?per_page=100&page=1")), "[]");

    var started = vote.start(context, process);
    assertThat(started.platformState().path("issue_number").asInt()).isEqualTo(12);
    assertThat(started.routingKeys()).containsExactly("issue:coop-org/bylaws#12");
    assertThat(started.url()).isEqualTo("https://github.com/Coop-Org/bylaws/issues/12");
    assertThat(started.closed()).isFalse();
    String opened =
        github.findAll(postRequestedFor(urlEqualTo(REPO + "/issues"))).get(0).getBodyAsString();
    assertThat(Json.parse(opened).path("title").asString()).isEqualTo("VOTE: Adopt the bylaws?");
    assertThat(Json.parse(opened).path("body").asString())
        .contains("👍", "👎", "Additional guidance: See PR 3.", "QUESTION: Adopt the bylaws?", tag);

    // A start repeated after a crash finds the issue the first attempt opened.
    githubAnswers(
        get(urlEqualTo(REPO + "/issues?state=all&sort=created&direction=desc&per_page=30")),
        "["
            + issue("open", 0, "other vote <!-- metagov-vote:000000000000000000000000 -->")
            + ", "
            + issue("open", 0, "copied " + tag)
                .replace("\"number\": 12", "\"number\": 13")
                .replace("metagov-test[bot]", "mallory")
            + ", "
            + issue("open", 0, "x " + tag)
            + "]");
    assertThat(vote.start(context, process).platformState().path("issue_number").asInt())
        .isEqualTo(12);
    assertThat(github.findAll(postRequestedFor(urlEqualTo(REPO + "/issues")))).hasSize(1);

    var running =
        new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
            5, "coop", parameters, started.platformState());
    githubAnswers(get(urlEqualTo(REPO + "/issues/12")), issue("open", 0, tag));
    githubAnswers(
        get(urlEqualTo(REPO + "/issues/12/reactions?per_page=100&page=1")),
        """
        [{"id": 1, "content": "+1", "user": {"login": "ada", "type": "User"}},
         {"id": 2, "content": "+1", "user": {"login": "bob", "type": "User"}},
         {"id": 3, "content": "-1", "user": {"login": "cy", "type": "User"}},
         {"id": 4, "content": "+1", "user": {"login": "some-bot[bot]", "type": "Bot"}},
         {"id": 5, "content": "heart", "user": {"login": "dee", "type": "User"}}]
        """);
    var refreshed = vote.refresh(context, running);
    assertThat(refreshed.outcome().path("votes"))
        .isEqualTo(
            Json.parse(
                "{\"yes\": {\"users\": [\"ada\", \"bob\"], \"count\": 2}, \"no\": {\"users\": [\"cy\"], \"count\": 1}}"));
    assertThat(refreshed.outcome().path("result").asString()).isEqualTo("pass");
    assertThat(refreshed.closed()).isFalse();

    githubAnswers(get(urlEqualTo(REPO + "/issues/12/comments?per_page=30&page=1")), "[]");
    github.stubFor(
        post(urlEqualTo(REPO + "/issues/12/comments"))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"id\": 99}")));
    github.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.patch(urlEqualTo(REPO + "/issues/12"))
            .willReturn(okJson(issue("closed", 1, tag))));
    var closed = vote.close(context, running);
    assertThat(closed.closed()).isTrue();
    assertThat(closed.outcome().path("result").asString()).isEqualTo("pass");
    String result =
        Json.parse(
                github
                    .findAll(postRequestedFor(urlEqualTo(REPO + "/issues/12/comments")))
                    .get(0)
                    .getBodyAsString())
            .path("body")
            .asString();
    assertThat(result).contains("2 for", "1 against", "pass", "metagov-result:");
    assertThat(
            Json.parse(
                github
                    .findAll(
                        com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(
                            urlEqualTo(REPO + "/issues/12")))
                    .get(0)
                    .getBodyAsString()))
        .isEqualTo(Json.parse("{\"state\": \"closed\"}"));

    // Closed on GitHub (or by an earlier close): the vote is over and nothing is posted again.
    githubAnswers(get(urlEqualTo(REPO + "/issues/12")), issue("closed", 1, tag));
    assertThat(vote.refresh(context, running).closed()).isTrue();
    assertThat(vote.close(context, running).closed()).isTrue();
    assertThat(github.findAll(postRequestedFor(urlEqualTo(REPO + "/issues/12/comments"))))
        .hasSize(1);
  }

  @Test
  void anIssueCommentVoteCountsEachPersonsFirstChoiceBetweenCarets() {
    PluginContext context = context();
    githubMintsTokens("ghs_first");
    org.metagov.activities.plugin.ProcessAdapter vote =
        plugin.processes().stream()
            .filter(p -> p.name().equals("issue-comment-vote"))
            .findFirst()
            .orElseThrow()
            .adapter();
    JsonNode parameters =
        Json.parse("{\"repo_name\": \"bylaws\", \"question\": \"Which option?\"}");
    var running =
        new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
            6, "coop", parameters, Json.parse("{\"issue_number\": 12}"));
    githubAnswers(get(urlEqualTo(REPO + "/issues/12")), issue("open", 6, "x"));
    githubAnswers(
        get(urlEqualTo(REPO + "/issues/12/comments?per_page=100&page=1")),
        """
        [{"id": 1, "body": "^^^^Yes^^^^", "user": {"login": "ada", "type": "User"}},
         {"id": 2, "body": "changed my mind ^^^^no^^^^", "user": {"login": "ada", "type": "User"}},
         {"id": 3, "body": "I think ^^^^ no ^^^^ because", "user": {"login": "bob", "type": "User"}},
         {"id": 4, "body": "^^^^yes^^^^", "user": {"login": "some-bot[bot]", "type": "Bot"}},
         {"id": 5, "body": "What are the options?", "user": {"login": "cy", "type": "User"}},
         {"id": 6, "body": "^^^^YES^^^^", "user": {"login": "cy", "type": "User"}}]
        """);

    var refreshed = vote.refresh(context, running);
    assertThat(refreshed.outcome().path("votes"))
        .isEqualTo(
            Json.parse(
                "{\"yes\": {\"users\": [\"ada\", \"cy\"], \"count\": 2}, \"no\": {\"users\": [\"bob\"], \"count\": 1}}"));
    assertThat(refreshed.outcome().path("voters"))
        .isEqualTo(Json.parse("[\"ada\", \"bob\", \"cy\"]"));
    assertThat(refreshed.routingKeys()).containsExactly("issue:coop-org/bylaws#12");
    assertThat(plugin.processes())
        .extracting(ProcessSpec::name)
        .containsExactly("issue-react-vote", "issue-comment-vote");
  }

  @Test
  void aVoteWithMaxVotesClosesItselfWithTheResultOnceThatManyPeopleHaveVoted() {
    PluginContext context = context();
    githubMintsTokens("ghs_first");
    org.metagov.activities.plugin.ProcessAdapter vote = plugin.processes().get(0).adapter();
    JsonNode parameters =
        Json.parse("{\"repo_name\": \"bylaws\", \"question\": \"Adopt?\", \"max_votes\": 3}");
    Schemas.requireValid(
        plugin.processes().get(0).inputSchema(), parameters, "parameters", "parameters");
    assertThat(
            Schemas.validate(
                plugin.processes().get(0).inputSchema(),
                Json.parse(
                    "{\"repo_name\": \"bylaws\", \"question\": \"Adopt?\", \"max_votes\": 0}"),
                "parameters"))
        .isNotEmpty();
    var running =
        new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
            7, "coop", parameters, Json.parse("{\"issue_number\": 12}"));
    githubAnswers(get(urlEqualTo(REPO + "/issues/12")), issue("open", 0, "x"));
    // ada reacted both ways: two people have voted, not three.
    githubAnswers(
        get(urlEqualTo(REPO + "/issues/12/reactions?per_page=100&page=1")),
        """
        [{"id": 1, "content": "+1", "user": {"login": "ada", "type": "User"}},
         {"id": 2, "content": "-1", "user": {"login": "ada", "type": "User"}},
         {"id": 3, "content": "-1", "user": {"login": "bob", "type": "User"}},
         {"id": 4, "content": "+1", "user": {"login": "some-bot[bot]", "type": "Bot"}}]
        """);
    assertThat(vote.refresh(context, running).closed()).isFalse();
    assertThat(github.findAll(postRequestedFor(urlEqualTo(REPO + "/issues/12/comments"))))
        .isEmpty();

    githubAnswers(
        get(urlEqualTo(REPO + "/issues/12/reactions?per_page=100&page=1")),
        """
        [{"id": 1, "content": "+1", "user": {"login": "ada", "type": "User"}},
         {"id": 2, "content": "-1", "user": {"login": "ada", "type": "User"}},
         {"id": 3, "content": "-1", "user": {"login": "bob", "type": "User"}},
         {"id": 5, "content": "-1", "user": {"login": "cy", "type": "User"}}]
        """);
    githubAnswers(get(urlEqualTo(REPO + "/issues/12/comments?per_page=30&page=1")), "[]");
    github.stubFor(
        post(urlEqualTo(REPO + "/issues/12/comments"))
            .willReturn(
                aResponse()
                    .withStatus(201)
                    .withHeader("Content-Type", "application/json")
                    .withBody("{\"id\": 99}")));
    github.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.patch(urlEqualTo(REPO + "/issues/12"))
            .willReturn(okJson(issue("closed", 1, "x"))));
    var reached = vote.refresh(context, running);
    assertThat(reached.closed()).isTrue();
    assertThat(reached.outcome().path("result").asString()).isEqualTo("fail");
    assertThat(reached.outcome().path("votes").path("no").path("users"))
        .isEqualTo(Json.parse("[\"ada\", \"bob\", \"cy\"]"));
    assertThat(
            Json.parse(
                    github
                        .findAll(postRequestedFor(urlEqualTo(REPO + "/issues/12/comments")))
                        .get(0)
                        .getBodyAsString())
                .path("body")
                .asString())
        .contains("1 for", "3 against", "fail");
    assertThat(
            Json.parse(
                github
                    .findAll(
                        com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(
                            urlEqualTo(REPO + "/issues/12")))
                    .get(0)
                    .getBodyAsString()))
        .isEqualTo(Json.parse("{\"state\": \"closed\"}"));

    // The comment vote counts the people whose comment holds a choice.
    org.metagov.activities.plugin.ProcessAdapter commentVote = plugin.processes().get(1).adapter();
    githubAnswers(get(urlEqualTo(REPO + "/issues/12")), issue("open", 3, "x"));
    githubAnswers(
        get(urlEqualTo(REPO + "/issues/12/comments?per_page=100&page=1")),
        """
        [{"id": 1, "body": "^^^^yes^^^^", "user": {"login": "ada", "type": "User"}},
         {"id": 2, "body": "What is this about?", "user": {"login": "bob", "type": "User"}},
         {"id": 3, "body": "^^^^no^^^^", "user": {"login": "cy", "type": "User"}}]
        """);
    var commentRunning =
        new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
            8,
            "coop",
            Json.parse("{\"repo_name\": \"bylaws\", \"question\": \"Which?\", \"max_votes\": 3}"),
            Json.parse("{\"issue_number\": 12}"));
    assertThat(commentVote.refresh(context, commentRunning).closed()).isFalse();
    var commentReached =
        commentVote.refresh(
            context,
            new org.metagov.activities.plugin.ProcessAdapter.ProcessInstance(
                8,
                "coop",
                Json.parse(
                    "{\"repo_name\": \"bylaws\", \"question\": \"Which?\", \"max_votes\": 2}"),
                Json.parse("{\"issue_number\": 12}")));
    assertThat(commentReached.closed()).isTrue();
    assertThat(github.findAll(postRequestedFor(urlEqualTo(REPO + "/issues/12/comments"))))
        .hasSize(2);
  }

  private int tokenMints() {
    return github
        .findAll(
            postRequestedFor(
                urlEqualTo("/api/app/installations/" + INSTALLATION + "/access_tokens")))
        .size();
  }

  // --- GitHub's refusals
  // ------------------------------------------------------------------------------------------

  @Test
  void rateLimitsAreRetryableWithTheWaitGitHubNamesAndOtherRefusalsCarryItsMessage() {
    PluginContext context = context();
    githubMintsTokens("ghs_first");
    String issues = "/api/repos/Coop-Org/bylaws/issues";
    long reset = Instant.now().getEpochSecond() + 120;
    github.stubFor(
        post(urlEqualTo(issues))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("x-ratelimit-limit", "5000")
                    .withHeader("x-ratelimit-remaining", "0")
                    .withHeader("x-ratelimit-reset", Long.toString(reset))
                    .withBody(
                        "{\"message\": \"API rate limit exceeded for installation ID 4242.\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
    assertThatThrownBy(
            () -> run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
              assertThat(e.retryAfter()).isBetween(Duration.ofSeconds(60), Duration.ofSeconds(121));
            });

    github.stubFor(
        post(urlEqualTo(issues))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("retry-after", "30")
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"message\": \"You have exceeded a secondary rate limit.\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
    assertThatThrownBy(
            () -> run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED);
              assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(30));
            });

    github.stubFor(
        post(urlEqualTo(issues))
            .willReturn(aResponse().withStatus(429).withHeader("retry-after", "5")));
    assertThatThrownBy(
            () -> run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class, e -> assertThat(e.kind()).isEqualTo(Kind.RATE_LIMITED));

    github.stubFor(
        post(urlEqualTo(issues))
            .willReturn(
                aResponse()
                    .withStatus(403)
                    .withHeader("Content-Type", "application/json")
                    .withHeader("x-ratelimit-remaining", "4999")
                    .withBody(
                        "{\"message\": \"Resource not accessible by integration\", \"documentation_url\": \"https://docs.github.com/rest\"}")));
    assertThatThrownBy(
            () -> run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}"))
        .isInstanceOfSatisfying(
            PlatformException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.REJECTED);
              assertThat(e.platformStatus()).isEqualTo(403);
              assertThat(e.getMessage())
                  .contains("Resource not accessible by integration")
                  .doesNotContain("ghs_first");
            });

    github.stubFor(
        post(urlEqualTo(issues)).willReturn(aResponse().withStatus(502).withBody("Bad gateway")));
    assertThatThrownBy(
            () -> run(context, "create-issue", "{\"repo_name\": \"bylaws\", \"title\": \"Vote\"}"))
        .isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.retryable()).isTrue());
  }

  @Test
  void disablingUninstallsTheAppAndAnInstallationAlreadyGoneCountsAsUninstalled() {
    stubAsApp(delete(urlEqualTo("/api/app/installations/" + INSTALLATION)), 204, "");
    assertThatCode(() -> plugin.onDisable(context())).doesNotThrowAnyException();
    stubAsApp(
        delete(urlEqualTo("/api/app/installations/" + INSTALLATION)),
        404,
        "{\"message\": \"Not Found\", \"documentation_url\": \"https://docs.github.com/rest\"}");
    assertThatCode(() -> plugin.onDisable(context())).doesNotThrowAnyException();
    github.stubFor(
        delete(urlEqualTo("/api/app/installations/" + INSTALLATION))
            .atPriority(1)
            .willReturn(aResponse().withStatus(500)));
    assertThatThrownBy(() -> plugin.onDisable(context()))
        .isInstanceOfSatisfying(PlatformException.class, e -> assertThat(e.retryable()).isTrue());
  }
}

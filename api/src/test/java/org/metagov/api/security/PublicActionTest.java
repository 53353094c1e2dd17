package org.metagov.api.security;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * Public actions (the gateway's {@code is_public}) at {@code POST /api/action/{plugin}.{action}} in
 * a deployment with Driver tokens: they run with the community header and no token; every other
 * action is not found there and runs nothing. The settings are SecuredDeploymentTest's, so both
 * share one application context.
 */
@TestPropertySource(
    properties = {
      "metagov.driver.api-tokens="
          + SecuredDeploymentTest.ADMIN
          + ","
          + SecuredDeploymentTest.LIMITED
          + "@"
          + SecuredDeploymentTest.MINE,
      "metagov.secrets.key=" + SecuredDeploymentTest.KEY,
      "metagov.secrets.previous-keys=" + SecuredDeploymentTest.OLD_KEY,
      "metagov.codec.tokens=" + SecuredDeploymentTest.OPERATOR
    })
class PublicActionTest extends IntegrationTest {

  private static final String ACCOUNTS =
      """
      {"accounts": [
        {"account": {"identity": {"id": "2bC3zMvY-8xxPzu2Z6B7oA", "subtype": "USER", "name": "alice",
            "address": "N\\u0000sourcecred\\u0000core\\u0000IDENTITY\\u00002bC3zMvY-8xxPzu2Z6B7oA\\u0000", "aliases": []},
           "balance": "0", "paid": "0", "active": true},
         "cred": [0.5, 4.5], "totalCred": 5.0},
        {"account": {"identity": {"id": "Xo5b6hFqQ2mZ7a1nKc3d9w", "subtype": "USER", "name": "bob",
            "address": "N\\u0000sourcecred\\u0000core\\u0000IDENTITY\\u0000Xo5b6hFqQ2mZ7a1nKc3d9w\\u0000", "aliases": []},
           "balance": "0", "paid": "0", "active": true},
         "cred": [2.5], "totalCred": 2.5}
      ],
      "unclaimedAliases": [], "intervals": []}
      """;

  @Autowired private JdbcClient jdbc;

  private WireMockServer sourcecred;
  private String slug;

  private Response asAdmin(String method, String path, String json, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + SecuredDeploymentTest.ADMIN;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return send(method, path, json, all);
  }

  @BeforeEach
  void setUp() {
    sourcecred = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    sourcecred.start();
    sourcecred.stubFor(
        WireMock.get(urlEqualTo("/output/accounts.json")).willReturn(okJson(ACCOUNTS)));
    slug = uniqueSlug("public");
    Response created =
        asAdmin(
            "PUT",
            "/api/internal/community/" + slug,
            "{\"slug\": \""
                + slug
                + "\", \"plugins\": ["
                + "{\"name\": \"sourcecred\", \"config\": {\"server_url\": \""
                + sourcecred.baseUrl()
                + "\"}}, {\"name\": \"randomness\"}]}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
  }

  @AfterEach
  void tearDown() {
    sourcecred.stop();
  }

  @Test
  void sourceCredsPublicActionsRunWithoutADriverToken() {
    Response userCred =
        send(
            "POST",
            "/api/action/sourcecred.user-cred",
            "{\"parameters\": {\"username\": \"alice\"}}",
            COMMUNITY_HEADER,
            slug);
    assertThat(userCred.status()).as(userCred.body()).isEqualTo(200);
    assertThat(userCred.json().path("value").asDouble()).isEqualTo(5.0);
    Response totalCred =
        send("POST", "/api/action/sourcecred.total-cred", null, COMMUNITY_HEADER, slug);
    assertThat(totalCred.status()).as(totalCred.body()).isEqualTo(200);
    assertThat(totalCred.json().path("value").asDouble()).isEqualTo(7.5);

    // The internal path still needs the token, and takes it.
    assertProblem(
        send("POST", "/api/internal/action/sourcecred.total-cred", null, COMMUNITY_HEADER, slug),
        401,
        "missing_credentials");
    assertThat(
            asAdmin(
                    "POST",
                    "/api/internal/action/sourcecred.total-cred",
                    null,
                    COMMUNITY_HEADER,
                    slug)
                .json()
                .path("value")
                .asDouble())
        .isEqualTo(7.5);
  }

  @Test
  void anActionThatIsNotPublicIsNotFoundThereWithOrWithoutATokenAndRunsNothing() {
    assertProblem(
        send(
            "POST",
            "/api/action/randomness.set-lucky-number",
            "{\"parameters\": {\"lucky_number\": 7}}",
            COMMUNITY_HEADER,
            slug),
        404,
        "action_not_found");
    assertProblem(
        asAdmin(
            "POST",
            "/api/action/randomness.set-lucky-number",
            "{\"parameters\": {\"lucky_number\": 7}}",
            COMMUNITY_HEADER,
            slug),
        404,
        "action_not_found");
    assertThat(
            jdbc.sql(
                    "select state::text from community_plugin where community_slug = ? and plugin_name = 'randomness'")
                .param(slug)
                .query(String.class)
                .single())
        .isEqualTo("{}");
  }

  @Test
  void publicActionsStillNeedTheCommunityHeaderAndAnEnabledPlugin() {
    assertProblem(
        send("POST", "/api/action/sourcecred.total-cred", null), 400, "missing_community_header");
    assertProblem(
        send(
            "POST",
            "/api/action/sourcecred.total-cred",
            null,
            COMMUNITY_HEADER,
            uniqueSlug("nobody")),
        404,
        "community_not_found");
    String bare = uniqueSlug("public-bare");
    asAdmin("PUT", "/api/internal/community/" + bare, "{\"plugins\": []}");
    assertProblem(
        send("POST", "/api/action/sourcecred.total-cred", null, COMMUNITY_HEADER, bare),
        400,
        "plugin_not_enabled");
    sourcecred.verify(0, anyRequestedFor(anyUrl()));
  }
}

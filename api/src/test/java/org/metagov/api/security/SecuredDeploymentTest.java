package org.metagov.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.node.ObjectNode;

/**
 * A deployment with Driver tokens and an explicit secret key. Unlike the other integration tests
 * this class needs its own application context (different settings), on purpose.
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
class SecuredDeploymentTest extends IntegrationTest {

  static final String ADMIN = "admin-token-0123456789";
  static final String LIMITED = "limited-token-0123456789";
  static final String MINE = "secured-mine";
  static final String OPERATOR = "operator-token-0123456789";
  static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  static final String OLD_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @Autowired JdbcClient jdbc;

  @Autowired SecretRotation rotation;

  Response as(String token, String method, String path, String json, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + token;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return send(method, path, json, all);
  }

  String community(String slug) {
    return "{\"name\": \""
        + slug
        + "\", \"plugins\": [{\"name\": \"randomness\"}, "
        + "{\"name\": \"secretive\", \"config\": {\"api_key\": \"top-secret-value\"}}]}";
  }

  @Test
  void theDriverApiNeedsAValidToken() {
    assertProblem(get("/api/internal/plugins"), 401, "missing_credentials");
    assertThat(get("/api/internal/plugins").header("WWW-Authenticate")).startsWith("Bearer");
    assertProblem(
        as("wrong-token-0123456789", "GET", "/api/internal/plugins", null), 401, "bad_credentials");
    assertProblem(
        send("PUT", "/api/internal/community/x1", "{}", "Authorization", "Basic YTpi"),
        401,
        "missing_credentials");
    assertThat(as(ADMIN, "GET", "/api/internal/plugins", null).status()).isEqualTo(200);
  }

  @Test
  void otherSpellingsOfAProtectedPathNeedTheTokenToo() {
    assertThat(
            as(
                    ADMIN,
                    "PUT",
                    "/api/internal/community/secured-spelling",
                    community("secured-spelling"))
                .status())
        .isEqualTo(201);
    for (String path :
        java.util.List.of(
            "/api/%69nternal/community/secured-spelling",
            "/api;x=y/internal/community/secured-spelling",
            "/api/hooks/../internal/community/secured-spelling",
            "/api/./internal/community/secured-spelling",
            "/api//internal/community/secured-spelling")) {
      Response response = get(path);
      assertThat(response.status()).as(path + " -> " + response.body()).isIn(400, 401, 404);
      assertThat(response.body()).as(path).doesNotContain("readable_name");
    }
  }

  @Test
  void webhooksAndDocsStayOpenAndHealthIsOnlyOnTheManagementPort() {
    assertThat(managementGet("/actuator/health").status()).isEqualTo(200);
    assertThat(managementGet("/actuator/prometheus").status()).isEqualTo(200);
    assertProblem(get("/actuator/health"), 401, "missing_credentials");
    assertProblem(as(ADMIN, "GET", "/actuator/health", null), 404, "not_found");
    assertProblem(as(ADMIN, "GET", "/actuator/prometheus", null), 404, "not_found");
    assertThat(get("/v3/api-docs").status()).isEqualTo(200);
    assertThat(get("/redoc").status()).isEqualTo(200);
    assertThat(
            as(ADMIN, "PUT", "/api/internal/community/secured-hooks", community("secured-hooks"))
                .status())
        .isEqualTo(201);
    Response hook = post("/api/hooks/secured-hooks/randomness", "{}");
    assertThat(hook.status()).isEqualTo(200);
  }

  @Test
  void aLimitedTokenSeesOnlyItsCommunities() {
    assertThat(
            as(ADMIN, "PUT", "/api/internal/community/secured-other", community("secured-other"))
                .status())
        .isIn(200, 201);
    assertThat(as(LIMITED, "PUT", "/api/internal/community/" + MINE, community(MINE)).status())
        .isIn(200, 201);

    assertThat(as(LIMITED, "GET", "/api/internal/community/" + MINE, null).status()).isEqualTo(200);
    assertThat(
            as(
                    LIMITED,
                    "POST",
                    "/api/internal/action/randomness.random-int",
                    null,
                    COMMUNITY_HEADER,
                    MINE)
                .status())
        .isEqualTo(200);

    assertProblem(
        as(LIMITED, "GET", "/api/internal/community/secured-other", null),
        404,
        "community_not_found");
    assertProblem(
        as(LIMITED, "PUT", "/api/internal/community/secured-other", community("secured-other")),
        404,
        "community_not_found");
    assertProblem(
        as(LIMITED, "DELETE", "/api/internal/community/secured-other", null),
        404,
        "community_not_found");
    assertProblem(
        as(
            LIMITED,
            "POST",
            "/api/internal/action/randomness.random-int",
            null,
            COMMUNITY_HEADER,
            "secured-other"),
        404,
        "community_not_found");
    Response started =
        as(
            ADMIN,
            "POST",
            "/api/internal/process/randomness.delayed-stochastic-vote",
            "{\"options\": [\"a\", \"b\"], \"delay\": 60}",
            COMMUNITY_HEADER,
            "secured-other");
    assertThat(started.status()).isEqualTo(202);
    assertProblem(as(LIMITED, "GET", started.header("Location"), null), 404, "process_not_found");
    assertThat(as(ADMIN, "GET", started.header("Location"), null).status()).isEqualTo(200);
    assertThat(as(ADMIN, "GET", "/api/internal/community/secured-other", null).status())
        .isEqualTo(200);
  }

  @Test
  void aLimitedTokenCannotSeeOrChangeAnotherCommunitysIdentities() {
    String other = "secured-identity-other";
    assertThat(as(ADMIN, "PUT", "/api/internal/community/" + other, community(other)).status())
        .isIn(200, 201);
    assertThat(as(LIMITED, "PUT", "/api/internal/community/" + MINE, community(MINE)).status())
        .isIn(200, 201);
    Response created =
        as(
            ADMIN,
            "POST",
            "/api/internal/identity/create_id",
            "{\"community_slug\": \"" + other + "\"}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    long theirs = created.json().get(0).asLong();
    assertThat(
            as(
                    ADMIN,
                    "POST",
                    "/api/internal/identity/link_account",
                    "{\"community_slug\": \""
                        + other
                        + "\", \"external_id\": "
                        + theirs
                        + ", \"platform_type\": \"randomness\", \"platform_identifier\": \"theirs\"}")
                .status())
        .isEqualTo(200);
    String before =
        as(ADMIN, "GET", "/api/internal/identity/get_users?community=" + other, null).body();

    String named = "{\"community_slug\": \"" + other + "\", ";
    assertProblem(
        as(LIMITED, "POST", "/api/internal/identity/create_id", named + "\"count\": 2}"),
        404,
        "community_not_found");
    assertProblem(
        as(LIMITED, "POST", "/api/internal/identity/create_id", "{}", COMMUNITY_HEADER, other),
        404,
        "community_not_found");
    assertProblem(
        as(
            LIMITED,
            "POST",
            "/api/internal/identity/link_account",
            named
                + "\"external_id\": "
                + theirs
                + ", \"platform_type\": \"randomness\", \"platform_identifier\": \"intruder\"}"),
        404,
        "community_not_found");
    assertProblem(
        as(
            LIMITED,
            "POST",
            "/api/internal/identity/unlink_account",
            named + "\"platform_type\": \"randomness\", \"platform_identifier\": \"theirs\"}"),
        404,
        "community_not_found");
    assertProblem(
        as(
            LIMITED,
            "POST",
            "/api/internal/identity/merge_ids",
            named
                + "\"primary_instance_id\": "
                + theirs
                + ", \"secondary_instance_id\": "
                + (theirs + 1)
                + "}"),
        404,
        "community_not_found");
    for (String read :
        java.util.List.of(
            "get_user?external_id=" + theirs,
            "get_users?x=1",
            "filter_users_by_account?external_id_list=" + theirs,
            "get_linked_account?external_id=" + theirs + "&platform_type=randomness")) {
      assertProblem(
          as(LIMITED, "GET", "/api/internal/identity/" + read + "&community=" + other, null),
          404,
          "community_not_found");
    }
    assertThat(as(ADMIN, "GET", "/api/internal/identity/get_users?community=" + other, null).body())
        .as("nothing changed")
        .isEqualTo(before);
    assertThat(
            jdbc.sql("select count(*) from metagov_id where community_slug = ?")
                .param(other)
                .query(Long.class)
                .single())
        .isEqualTo(1);

    Response mine =
        as(LIMITED, "POST", "/api/internal/identity/create_id", "{}", COMMUNITY_HEADER, MINE);
    assertThat(mine.status()).as(mine.body()).isEqualTo(201);
    assertThat(
            as(
                    LIMITED,
                    "GET",
                    "/api/internal/identity/get_user?community="
                        + MINE
                        + "&external_id="
                        + mine.json().get(0).asLong(),
                    null)
                .status())
        .isEqualTo(200);
  }

  @Test
  void theCodecEndpointTakesOperatorTokensAndNoDriverToken() {
    String payloads =
        "{\"payloads\": [{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"MQ==\"}]}";
    assertProblem(as(ADMIN, "POST", "/codec/encode", payloads), 401, "bad_credentials");
    assertProblem(as(LIMITED, "POST", "/codec/decode", payloads), 401, "bad_credentials");
    Response encoded = as(OPERATOR, "POST", "/codec/encode", payloads);
    assertThat(encoded.status()).as(encoded.body()).isEqualTo(200);
    Response decoded = as(OPERATOR, "POST", "/codec/decode", encoded.body());
    assertThat(decoded.json().path("payloads").get(0).path("data").asString()).isEqualTo("MQ==");
    assertProblem(as(OPERATOR, "GET", "/api/internal/plugins", null), 401, "bad_credentials");
  }

  @Test
  void secretsAreEncryptedInPostgresqlAndNeverReturned() {
    Response created =
        as(ADMIN, "PUT", "/api/internal/community/secured-secrets", community("secured-secrets"));
    assertThat(created.body()).doesNotContain("top-secret-value").contains("********");

    String stored =
        jdbc.sql(
                "select config::text from community_plugin where community_slug = ? and plugin_name = 'secretive'")
            .param("secured-secrets")
            .query(String.class)
            .single();
    assertThat(stored)
        .doesNotContain("top-secret-value")
        .contains("enc:v1:" + KeyRing.keyId(java.util.Base64.getDecoder().decode(KEY)) + ":");
    Response check =
        as(
            ADMIN,
            "POST",
            "/api/internal/action/secretive.check-secret",
            "{\"parameters\": {\"candidate\": \"top-secret-value\"}}",
            COMMUNITY_HEADER,
            "secured-secrets");
    assertThat(check.json().path("matches").asBoolean()).isTrue();
  }

  @Test
  void rotationResealsSecretsStoredUnderThePreviousKey() {
    assertThat(
            as(
                    ADMIN,
                    "PUT",
                    "/api/internal/community/secured-rotation",
                    community("secured-rotation"))
                .status())
        .isEqualTo(201);
    SecretCipher old = SecretCipherTest.cipher(OLD_KEY, "");
    ObjectNode sealedWithOld =
        old.seal(
            "secured-rotation",
            "secretive",
            (ObjectNode) Json.parse("{\"api_key\": \"rotated-secret\", \"label\": \"x\"}"),
            java.util.Set.of("api_key"));
    jdbc.sql(
            "update community_plugin set config = ?::jsonb where community_slug = 'secured-rotation' and plugin_name = 'secretive'")
        .param(Json.write(sealedWithOld))
        .update();

    assertThat(rotation.rotate()).isGreaterThanOrEqualTo(1);

    String stored =
        jdbc.sql(
                "select config::text from community_plugin where community_slug = 'secured-rotation' and plugin_name = 'secretive'")
            .query(String.class)
            .single();
    assertThat(stored)
        .contains("enc:v1:" + KeyRing.keyId(java.util.Base64.getDecoder().decode(KEY)) + ":")
        .doesNotContain("rotated-secret");
    Response check =
        as(
            ADMIN,
            "POST",
            "/api/internal/action/secretive.check-secret",
            "{\"parameters\": {\"candidate\": \"rotated-secret\"}}",
            COMMUNITY_HEADER,
            "secured-rotation");
    assertThat(check.json().path("matches").asBoolean()).isTrue();
    assertThat(rotation.rotate()).as("nothing left to re-seal").isZero();
  }
}

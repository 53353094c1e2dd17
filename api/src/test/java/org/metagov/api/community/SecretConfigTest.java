package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.IntegrationTest;
import org.metagov.api.testplugins.SecretivePlugin;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Secret ({@code writeOnly}) config fields end to end, through the test-only {@link
 * SecretivePlugin}: never returned, kept when the placeholder comes back, refused when the
 * placeholder stands for nothing.
 */
class SecretConfigTest extends IntegrationTest {

  private static final String SECRET = "sk-live-very-secret-42";

  @Autowired CommunityRepository repository;

  private static String path(String slug) {
    return "/api/internal/community/" + slug;
  }

  private static String body(String slug, String apiKey, String label) {
    return "{\"name\": \""
        + slug
        + "\", \"plugins\": [{\"name\": \"secretive\", \"config\": {\"api_key\": \""
        + apiKey
        + "\", \"label\": \""
        + label
        + "\"}}]}";
  }

  private String storedKey(String slug) {
    return repository
        .find(slug)
        .orElseThrow()
        .plugin(SecretivePlugin.NAME)
        .orElseThrow()
        .config()
        .path("api_key")
        .asString();
  }

  private boolean keyMatches(String slug, String candidate) {
    Response response =
        action(
            slug,
            "secretive.check-secret",
            "{\"parameters\": {\"candidate\": \"" + candidate + "\"}}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json().path("matches").asBoolean();
  }

  @Test
  void aSecretIsStoredButReadsAsThePlaceholder() {
    String slug = uniqueSlug("secret");
    Response created = put(path(slug), body(slug, SECRET, "one"));
    assertThat(created.status()).isEqualTo(201);
    JsonNode config = created.json().path("plugins").get(0).path("config");
    assertThat(config.path("api_key").asString()).isEqualTo(Schemas.SECRET_PLACEHOLDER);
    assertThat(config.path("label").asString()).isEqualTo("one");
    assertThat(created.body()).doesNotContain(SECRET);

    Response read = get(path(slug));
    assertThat(read.json().path("plugins").get(0).path("config").path("api_key").asString())
        .isEqualTo("********");
    assertThat(read.body()).doesNotContain(SECRET);

    assertThat(storedKey(slug)).isEqualTo(SECRET);
    assertThat(keyMatches(slug, SECRET)).isTrue();
    assertThat(keyMatches(slug, "********")).isFalse();
  }

  @Test
  void sendingThePlaceholderBackKeepsTheStoredSecret() {
    String slug = uniqueSlug("secret-keep");
    put(path(slug), body(slug, SECRET, "one"));

    Response updated = put(path(slug), body(slug, Schemas.SECRET_PLACEHOLDER, "two"));
    assertThat(updated.status()).as(updated.body()).isEqualTo(200);
    assertThat(updated.json().path("plugins").get(0).path("config").path("label").asString())
        .isEqualTo("two");
    assertThat(updated.json().path("plugins").get(0).path("config").path("api_key").asString())
        .isEqualTo("********");

    assertThat(storedKey(slug)).isEqualTo(SECRET);
    assertThat(keyMatches(slug, SECRET)).isTrue();

    // A GET-modify-PUT round trip keeps it too.
    JsonNode community = get(path(slug)).json();
    assertThat(put(path(slug), community.toString()).status()).isEqualTo(200);
    assertThat(storedKey(slug)).isEqualTo(SECRET);

    // And a real new value replaces it.
    assertThat(put(path(slug), body(slug, "rotated-key", "three")).status()).isEqualTo(200);
    assertThat(storedKey(slug)).isEqualTo("rotated-key");
    assertThat(keyMatches(slug, "rotated-key")).isTrue();
  }

  @Test
  void thePlaceholderWithNothingStoredIs400() {
    String slug = uniqueSlug("secret-none");
    JsonNode problem =
        assertProblem(
            put(path(slug), body(slug, Schemas.SECRET_PLACEHOLDER, "one")),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].config.api_key");
    assertThat(get(path(slug)).status()).isEqualTo(404);

    // Stored for another plugin or another community does not count either.
    putCommunity(slug, "[{\"name\": \"randomness\"}]");
    problem =
        assertProblem(
            put(path(slug), body(slug, Schemas.SECRET_PLACEHOLDER, "one")),
            400,
            "validation_failed");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].config.api_key");
    assertProblem(
        post(
            "/api/internal/community",
            body(uniqueSlug("secret-post"), Schemas.SECRET_PLACEHOLDER, "x")),
        400,
        "validation_failed");
  }

  @Test
  void theSecretIsKeptWhenAnotherPluginOfTheSamePutFailsValidation() {
    String slug = uniqueSlug("secret-atomic");
    put(path(slug), body(slug, SECRET, "one"));
    Response bad =
        put(
            path(slug),
            "{\"name\": \""
                + slug
                + "\", \"plugins\": [{\"name\": \"secretive\", \"config\": {\"api_key\": \"new\"}},"
                + " {\"name\": \"randomness\", \"config\": {\"default_high\": \"high\"}}]}");
    assertThat(errorPaths(assertProblem(bad, 400, "validation_failed")))
        .containsExactly("plugins[1].config.default_high");
    assertThat(storedKey(slug)).isEqualTo(SECRET);
    assertThat(
            get(path(slug)).json().path("plugins").get(0).path("config").path("label").asString())
        .isEqualTo("one");
  }
}

package org.metagov.api.community;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * A stored secret is only ever sent to the URL it was entered with: the redaction placeholder keeps
 * it only while every URL field of the plugin's config is unchanged; otherwise the PUT is refused
 * with {@code secret_reentry_required} and nothing changes.
 */
class SecretDestinationTest extends IntegrationTest {

  private static final String OLD_KEY = "old-discourse-key-123";
  private static final String OLD_HOOK_SECRET = "old-hook-secret-456";
  private static final String NEW_KEY = "new-discourse-key-789";

  private WireMockServer oldHost;
  private WireMockServer newHost;

  @BeforeEach
  void startHosts() {
    oldHost = forum();
    newHost = forum();
  }

  @AfterEach
  void stopHosts() {
    oldHost.stop();
    newHost.stop();
  }

  /** A fake Discourse on 127.0.0.1 that accepts new posts. */
  private static WireMockServer forum() {
    WireMockServer server =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    server.start();
    server.stubFor(
        WireMock.post(urlEqualTo("/posts.json"))
            .willReturn(
                okJson(
                    "{\"id\": 123, \"topic_id\": 45, \"post_number\": 2, \"topic_slug\": \"t\"}")));
    return server;
  }

  private static String path(String slug) {
    return "/api/internal/community/" + slug;
  }

  private static String discourse(
      String slug, String serverUrl, String apiKey, String webhookSecret, String username) {
    return "{\"name\": \""
        + slug
        + "\", \"plugins\": [{\"name\": \"discourse\", \"config\": {\"server_url\": \""
        + serverUrl
        + "\", \"api_key\": \""
        + apiKey
        + "\", \"webhook_secret\": \""
        + webhookSecret
        + "\", \"api_username\": \""
        + username
        + "\"}}]}";
  }

  private String createWithOldHost(String prefix) {
    String slug = uniqueSlug(prefix);
    Response created =
        put(path(slug), discourse(slug, oldHost.baseUrl(), OLD_KEY, OLD_HOOK_SECRET, "system"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return slug;
  }

  private void post(String slug) {
    Response response =
        action(
            slug,
            "discourse.create-post",
            "{\"parameters\": {\"raw\": \"Hello there\", \"topic_id\": 45}}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }

  private JsonNode storedConfig(String slug) {
    return get(path(slug)).json().path("plugins").get(0).path("config");
  }

  @Test
  void thePlaceholderWithANewServerUrlIsRefusedAndTheSecretNeverReachesTheNewHost() {
    String slug = createWithOldHost("secret-dest");

    Response refused =
        put(path(slug), discourse(slug, newHost.baseUrl(), "********", "********", "system"));
    JsonNode problem = assertProblem(refused, 400, "secret_reentry_required");
    assertThat(errorPaths(problem))
        .containsExactly("plugins[0].config.api_key", "plugins[0].config.webhook_secret");
    assertThat(problem.path("detail").asString())
        .contains("plugins[0].config.api_key")
        .contains("plugins[0].config.webhook_secret");
    assertThat(refused.body()).doesNotContain(OLD_KEY).doesNotContain(OLD_HOOK_SECRET);

    // Nothing changed: the config still names the old host, and an action still goes there with the
    // old key.
    assertThat(storedConfig(slug).path("server_url").asString()).isEqualTo(oldHost.baseUrl());
    post(slug);
    oldHost.verify(
        1, postRequestedFor(urlEqualTo("/posts.json")).withHeader("Api-Key", equalTo(OLD_KEY)));
    assertThat(newHost.findAll(anyRequestedFor(anyUrl()))).isEmpty();

    // Only one secret sent back as the placeholder: only that one is named.
    problem =
        assertProblem(
            put(
                path(slug),
                discourse(slug, newHost.baseUrl(), "********", "fresh-hook-secret", "system")),
            400,
            "secret_reentry_required");
    assertThat(errorPaths(problem)).containsExactly("plugins[0].config.api_key");
    assertThat(newHost.findAll(anyRequestedFor(anyUrl()))).isEmpty();
  }

  @Test
  void aTrailingSlashOrACaseChangeNeedsTheSecretAgainButTheSameUrlKeepsIt() {
    // Any textual change of a URL counts as a change: no normalization is assumed safe.
    String slug = uniqueSlug("secret-dest-text");
    String base = oldHost.baseUrl() + "/forum";
    assertThat(put(path(slug), discourse(slug, base, OLD_KEY, OLD_HOOK_SECRET, "system")).status())
        .isEqualTo(201);

    for (String changed : new String[] {base + "/", oldHost.baseUrl() + "/Forum"}) {
      JsonNode problem =
          assertProblem(
              put(path(slug), discourse(slug, changed, "********", "********", "system")),
              400,
              "secret_reentry_required");
      assertThat(errorPaths(problem))
          .containsExactly("plugins[0].config.api_key", "plugins[0].config.webhook_secret");
      assertThat(storedConfig(slug).path("server_url").asString()).isEqualTo(base);
    }
    // The same URL, character for character, keeps the secrets while other fields change.
    Response same = put(path(slug), discourse(slug, base, "********", "********", "bot"));
    assertThat(same.status()).as(same.body()).isEqualTo(200);
    assertThat(storedConfig(slug).path("api_username").asString()).isEqualTo("bot");
    oldHost.stubFor(
        WireMock.post(urlEqualTo("/forum/posts.json"))
            .willReturn(
                okJson(
                    "{\"id\": 123, \"topic_id\": 45, \"post_number\": 2, \"topic_slug\": \"t\"}")));
    post(slug);
    oldHost.verify(
        1,
        postRequestedFor(urlEqualTo("/forum/posts.json"))
            .withHeader("Api-Key", equalTo(OLD_KEY))
            .withHeader("Api-Username", equalTo("bot")));
  }

  @Test
  void aNewServerUrlWithTheSecretEnteredAgainIsAcceptedAndUsed() {
    String slug = createWithOldHost("secret-dest-new");
    assertProblem(
        put(
            path(slug),
            discourse(slug, newHost.baseUrl(), "********", "new-hook-secret", "system")),
        400,
        "secret_reentry_required");

    // The remedy the refusal asks for: the same change with the real secret.
    Response moved =
        put(path(slug), discourse(slug, newHost.baseUrl(), NEW_KEY, "new-hook-secret", "system"));
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    assertThat(storedConfig(slug).path("server_url").asString()).isEqualTo(newHost.baseUrl());
    assertThat(storedConfig(slug).path("api_key").asString()).isEqualTo("********");

    post(slug);
    newHost.verify(
        1, postRequestedFor(urlEqualTo("/posts.json")).withHeader("Api-Key", equalTo(NEW_KEY)));
    assertThat(oldHost.findAll(anyRequestedFor(anyUrl()))).isEmpty();
  }
}

package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;

/**
 * Plugin configs that name endpoints: plugins whose platform cannot sign webhooks (Loomio) get an
 * unguessable receiver path, and a platform's server_url follows the outbound URL rules.
 */
class WebhookSlugTest extends IntegrationTest {

  @Test
  void aServerUrlMustBeAPlainHttpUrl() {
    String slug = uniqueSlug("server-url");
    for (String url :
        new String[] {"ftp://forum.example.org", "http://user:pass@forum.example.org"}) {
      var problem =
          assertProblem(
              put(
                  "/api/internal/community/" + slug,
                  "{\"plugins\": [{\"name\": \"discourse\", \"config\": "
                      + "{\"server_url\": \""
                      + url
                      + "\", \"api_key\": \"k\"}}]}"),
              400,
              "validation_failed");
      assertThat(errorPaths(problem)).contains("plugins[0].config.server_url");
    }
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(404);
  }

  static final String LOOMIO =
      "{\"name\": \"loomio\", \"config\": {\"api_key\": \"loomio-key-123\", \"server_url\": \"http://127.0.0.1:9\"}}";

  @Test
  void aPluginThatCannotSignGetsAWebhookSlugThatLaterPutsKeep() {
    String slug = uniqueSlug("slugs");
    putCommunity(slug, "[" + LOOMIO + ", {\"name\": \"randomness\"}]");
    String hook =
        get("/api/internal/community/" + slug + "/hooks").json().path("hooks").get(0).asString();
    assertThat(hook).matches("/api/hooks/" + slug + "/loomio/[0-9a-f]{16}");

    putCommunity(slug, "[" + LOOMIO + "]");
    assertThat(
            get("/api/internal/community/" + slug + "/hooks")
                .json()
                .path("hooks")
                .get(0)
                .asString())
        .as("a PUT that does not name the slug keeps it")
        .isEqualTo(hook);

    assertProblem(
        post(
            "/api/hooks/" + slug + "/loomio",
            "{\"text\": \"[x](https://www.loomio.org/d/abc/x)\"}"),
        404,
        "webhook_not_found");
    assertThat(
            post(hook, "{\"text\": \"Bob started a thread: [x](https://www.loomio.org/d/abc/x)\"}")
                .status())
        .isEqualTo(200);
  }
}

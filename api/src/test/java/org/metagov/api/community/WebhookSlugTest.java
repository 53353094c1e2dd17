package org.metagov.api.community;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;

/** Plugins whose platform cannot sign webhooks (Loomio) get an unguessable receiver path. */
class WebhookSlugTest extends IntegrationTest {

  static final String LOOMIO = "{\"name\": \"loomio\", \"config\": {\"api_key\": \"loomio-key-123\", \"server_url\": \"http://127.0.0.1:9\"}}";

  @Test
  void aPluginThatCannotSignGetsAWebhookSlugThatLaterPutsKeep() {
    String slug = uniqueSlug("slugs");
    putCommunity(slug, "[" + LOOMIO + ", {\"name\": \"randomness\"}]");
    String hook = get("/api/internal/community/" + slug + "/hooks").json().path("hooks").get(0).asString();
    assertThat(hook).matches("/api/hooks/" + slug + "/loomio/[0-9a-f]{16}");

    putCommunity(slug, "[" + LOOMIO + "]");
    assertThat(get("/api/internal/community/" + slug + "/hooks").json().path("hooks").get(0).asString())
        .as("a PUT that does not name the slug keeps it").isEqualTo(hook);

    assertProblem(post("/api/hooks/" + slug + "/loomio", "{\"text\": \"[x](https://www.loomio.org/d/abc/x)\"}"), 404, "webhook_not_found");
    assertThat(post(hook, "{\"text\": \"Bob started a thread: [x](https://www.loomio.org/d/abc/x)\"}").status()).isEqualTo(200);
  }
}

package org.metagov.api.webhook;

import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/** Webhook receivers: one per plugin per community, as listed by {@code GET /api/internal/community/{slug}/hooks}. */
@RestController
public class WebhookController {

  private final WebhookService webhooks;

  public WebhookController(WebhookService webhooks) {
    this.webhooks = webhooks;
  }

  @PostMapping(path = {"/api/hooks/{community}/{plugin}", "/api/hooks/{community}/{plugin}/{webhookSlug}"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, Object> receive(
      @PathVariable String community,
      @PathVariable String plugin,
      @PathVariable(required = false) String webhookSlug,
      @RequestHeader HttpHeaders headers,
      @RequestBody(required = false) byte[] body) {
    return webhooks.receive(community, plugin, webhookSlug, headers, body == null ? new byte[0] : body);
  }
}

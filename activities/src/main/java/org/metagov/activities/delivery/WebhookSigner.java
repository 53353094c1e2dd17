package org.metagov.activities.delivery;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import org.metagov.activities.plugin.WebhookSignatures;

/**
 * Standard Webhooks signatures: {@code v1,} and the base64 HMAC-SHA256 of {@code
 * id.timestamp.body}. A secret written as {@code whsec_<base64>} is decoded; any other secret is
 * used as its UTF-8 bytes.
 */
public final class WebhookSigner {

  private final byte[] key;

  public WebhookSigner(String secret) {
    if (secret == null || secret.isBlank()) {
      key = null;
    } else if (secret.startsWith("whsec_")) {
      key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    } else {
      key = secret.getBytes(StandardCharsets.UTF_8);
    }
  }

  public Optional<String> sign(String id, long timestamp, String body) {
    if (key == null) {
      return Optional.empty();
    }
    byte[] digest =
        WebhookSignatures.hmacSha256(
            key, (id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
    return Optional.of("v1," + Base64.getEncoder().encodeToString(digest));
  }
}

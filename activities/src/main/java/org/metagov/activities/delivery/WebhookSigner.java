package org.metagov.activities.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} and the base64 HMAC-SHA256 of {@code id.timestamp.body}. A
 * secret written as {@code whsec_<base64>} is decoded; any other secret is used as its UTF-8 bytes.
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
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return Optional.of("v1," + Base64.getEncoder().encodeToString(digest));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}

package org.metagov.activities.plugin;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256, as platforms sign their webhooks (GitHub, Slack, Discourse) and the orchestrator
 * signs its own callbacks, and the constant-time comparison a received signature needs, so that how
 * long the check takes says nothing about how much of a forged signature was right.
 */
public final class WebhookSignatures {

  private static final String ALGORITHM = "HmacSHA256";

  private WebhookSignatures() {}

  /** The HMAC-SHA256 under {@code key} of the parts, one after the other. */
  public static byte[] hmacSha256(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  /**
   * The lower-case hex HMAC-SHA256 under the secret's UTF-8 bytes of the parts, one after the
   * other.
   */
  public static String hmacSha256Hex(String secret, byte[]... parts) {
    return HexFormat.of().formatHex(hmacSha256(secret.getBytes(StandardCharsets.UTF_8), parts));
  }

  /**
   * Whether a received signature (such as {@code sha256=} and hex, surrounding spaces and the hex's
   * case aside) is the expected one, compared in constant time.
   *
   * @param expected the signature as this side computed it, in lower case
   */
  public static boolean matches(String expected, String received) {
    return received != null
        && MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            received.trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }
}

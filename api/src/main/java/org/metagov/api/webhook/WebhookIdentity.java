package org.metagov.api.webhook;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.PlatformEvent;

/**
 * Identities derived from a webhook's verified content. Every part is length-prefixed before
 * hashing, so no choice of community slug, plugin name or body can make two different tuples hash
 * the same way (a dash-joined string could: {@code gamma} + {@code 1-discourse-7} against {@code
 * gamma-discourse-1} + {@code 7}).
 */
public final class WebhookIdentity {

  private WebhookIdentity() {}

  /** The webhook's identity: 64 hex characters of SHA-256 over (community, plugin, raw body). */
  public static String of(String community, String plugin, byte[] body) {
    return hex(digest(utf8("webhook/v1"), utf8(community), utf8(plugin), body));
  }

  /**
   * The {@code webhook-id} of the {@code index}-th event of a webhook: {@code evt_} and 40 hex
   * characters.
   */
  public static String eventId(String webhookIdentity, int index) {
    return "evt_"
        + hex(digest(utf8("event/v1"), utf8(webhookIdentity), utf8(Integer.toString(index))))
            .substring(0, 40);
  }

  /** Whether the plugin completes its events from the platform before they are sent. */
  public static boolean enriches(WebhookHandler handler) {
    try {
      return handler
              .getClass()
              .getMethod("enrich", PluginContext.class, PlatformEvent.class)
              .getDeclaringClass()
          != WebhookHandler.class;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  private static byte[] digest(byte[]... parts) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        sha256.update(ByteBuffer.allocate(Long.BYTES).putLong(part.length).array());
        sha256.update(part);
      }
      return sha256.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}

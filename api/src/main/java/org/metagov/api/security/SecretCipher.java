package org.metagov.api.security;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;
import org.metagov.activities.json.Json;
import org.metagov.api.security.KeyRing.Purpose;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encrypts plugins' secret config fields at rest with AES-256-GCM. A sealed value reads {@code
 * enc:v1:<key id>:<base64 of nonce and ciphertext>}; the associated data binds it to its community,
 * plugin and field, so a value copied elsewhere does not decrypt.
 *
 * <p>Keys come from the {@link KeyRing}: values sealed with a previous key still open, and {@link
 * SecretRotation} re-seals them with the current key at start-up.
 */
@Component
public class SecretCipher {

  private static final String PREFIX = "enc:v1:";

  private final KeyRing keys;

  public SecretCipher(KeyRing keys) {
    this.keys = keys;
  }

  /** A copy of {@code config} with each secret field sealed. Sealed values stay as they are. */
  public ObjectNode seal(
      String community, String plugin, ObjectNode config, Set<String> secretFields) {
    ObjectNode sealed = config.deepCopy();
    for (String field : secretFields) {
      JsonNode value = sealed.get(field);
      if (value == null || value.isNull() || isSealed(value)) {
        continue;
      }
      sealed.put(field, encrypt(Json.write(value), aad(community, plugin, field)));
    }
    return sealed;
  }

  /**
   * A copy of {@code config} with each sealed field opened; plaintext values (older rows) pass
   * through.
   */
  public ObjectNode open(
      String community, String plugin, ObjectNode config, Set<String> secretFields) {
    ObjectNode opened = config.deepCopy();
    for (String field : secretFields) {
      JsonNode value = opened.get(field);
      if (isSealed(value)) {
        opened.set(field, Json.parse(decrypt(value.asString(), aad(community, plugin, field))));
      }
    }
    return opened;
  }

  /**
   * Whether any secret of this stored config is plaintext or sealed with a key other than the
   * current one.
   */
  public boolean needsResealing(ObjectNode stored, Set<String> secretFields) {
    for (String field : secretFields) {
      JsonNode value = stored.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      if (!isSealed(value) || !value.asString().startsWith(PREFIX + keys.currentId() + ":")) {
        return true;
      }
    }
    return false;
  }

  public String currentKeyId() {
    return keys.currentId();
  }

  private static boolean isSealed(JsonNode value) {
    return value != null && value.isString() && value.asString().startsWith(PREFIX);
  }

  private String encrypt(String plaintext, byte[] aad) {
    KeyRing.Sealed sealed =
        keys.seal(Purpose.PLUGIN_SECRETS, plaintext.getBytes(StandardCharsets.UTF_8), aad);
    return PREFIX + sealed.keyId() + ":" + Base64.getEncoder().encodeToString(sealed.ciphertext());
  }

  private String decrypt(String sealed, byte[] aad) {
    String rest = sealed.substring(PREFIX.length());
    int colon = rest.indexOf(':');
    String keyId = colon < 0 ? "" : rest.substring(0, colon);
    try {
      byte[] ciphertext = Base64.getDecoder().decode(rest.substring(colon + 1));
      return new String(
          keys.open(Purpose.PLUGIN_SECRETS, keyId, ciphertext, aad), StandardCharsets.UTF_8);
    } catch (KeyRing.NotOpenable e) {
      throw new IllegalStateException(
          e.keyMissing()
              ? "A plugin secret is sealed with key "
                  + keyId
                  + ", which is not configured; add it to METAGOV_PREVIOUS_SECRET_KEYS."
              : "A plugin secret sealed with key "
                  + keyId
                  + " does not decrypt (wrong key or tampered value).",
          e);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          "A plugin secret sealed with key "
              + keyId
              + " does not decrypt (wrong key or "
              + "tampered value).",
          e);
    }
  }

  private static byte[] aad(String community, String plugin, String field) {
    return (community + "/" + plugin + "/" + field).getBytes(StandardCharsets.UTF_8);
  }
}

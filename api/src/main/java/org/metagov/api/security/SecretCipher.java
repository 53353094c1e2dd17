package org.metagov.api.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.metagov.activities.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Encrypts plugins' secret config fields at rest with AES-256-GCM. A sealed value reads
 * {@code enc:v1:<key id>:<base64 of nonce and ciphertext>}; the associated data binds it to its community,
 * plugin and field, so a value copied elsewhere does not decrypt.
 *
 * <p>Keys come from {@code METAGOV_SECRET_KEY} (base64 of 32 bytes) and, during a rotation,
 * {@code METAGOV_PREVIOUS_SECRET_KEYS} (comma-separated): values sealed with a previous key still open, and
 * {@link SecretRotation} re-seals them with the current key at start-up. With the embedded database and no
 * key, a random key is used for the life of the process (the database does not outlive it either).
 */
@Component
public class SecretCipher {

  private static final Logger log = LoggerFactory.getLogger(SecretCipher.class);
  private static final String PREFIX = "enc:v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecureRandom random = new SecureRandom();
  private final String currentId;
  private final Map<String, SecretKeySpec> keys = new LinkedHashMap<>();

  public SecretCipher(
      @Value("${metagov.secrets.key:}") String currentKey,
      @Value("${metagov.secrets.previous-keys:}") String previousKeys,
      @Value("${spring.datasource.url:}") String datasourceUrl) {
    byte[] current;
    if (currentKey == null || currentKey.isBlank()) {
      if (datasourceUrl != null && !datasourceUrl.isBlank()) {
        throw new IllegalStateException("METAGOV_SECRET_KEY is required with a real database: plugin secrets are "
            + "encrypted at rest. Generate one with: openssl rand -base64 32");
      }
      current = new byte[32];
      random.nextBytes(current);
      log.info("No METAGOV_SECRET_KEY: plugin secrets in the embedded database are encrypted with a key that lives "
          + "only as long as this process.");
    } else {
      current = decodeKey(currentKey, "METAGOV_SECRET_KEY");
    }
    currentId = add(current);
    if (previousKeys != null) {
      for (String previous : previousKeys.split(",")) {
        if (!previous.isBlank()) {
          add(decodeKey(previous.trim(), "METAGOV_PREVIOUS_SECRET_KEYS"));
        }
      }
    }
  }

  /** A copy of {@code config} with each secret field sealed. Sealed values stay as they are. */
  public ObjectNode seal(String community, String plugin, ObjectNode config, Set<String> secretFields) {
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

  /** A copy of {@code config} with each sealed field opened; plaintext values (older rows) pass through. */
  public ObjectNode open(String community, String plugin, ObjectNode config, Set<String> secretFields) {
    ObjectNode opened = config.deepCopy();
    for (String field : secretFields) {
      JsonNode value = opened.get(field);
      if (isSealed(value)) {
        opened.set(field, Json.parse(decrypt(value.asString(), aad(community, plugin, field))));
      }
    }
    return opened;
  }

  /** Whether any secret of this stored config is plaintext or sealed with a key other than the current one. */
  public boolean needsResealing(ObjectNode stored, Set<String> secretFields) {
    for (String field : secretFields) {
      JsonNode value = stored.get(field);
      if (value == null || value.isNull()) {
        continue;
      }
      if (!isSealed(value) || !value.asString().startsWith(PREFIX + currentId + ":")) {
        return true;
      }
    }
    return false;
  }

  public String currentKeyId() {
    return currentId;
  }

  private static boolean isSealed(JsonNode value) {
    return value != null && value.isString() && value.asString().startsWith(PREFIX);
  }

  private String encrypt(String plaintext, byte[] aad) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.get(currentId), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(aad);
      byte[] ciphertext = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(nonce.length + ciphertext.length).put(nonce).put(ciphertext).array();
      return PREFIX + currentId + ":" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a plugin secret", e);
    }
  }

  private String decrypt(String sealed, byte[] aad) {
    String rest = sealed.substring(PREFIX.length());
    int colon = rest.indexOf(':');
    String keyId = colon < 0 ? "" : rest.substring(0, colon);
    SecretKeySpec key = keys.get(keyId);
    if (key == null) {
      throw new IllegalStateException("A plugin secret is sealed with key " + keyId + ", which is not configured; add it to "
          + "METAGOV_PREVIOUS_SECRET_KEYS.");
    }
    try {
      byte[] in = Base64.getDecoder().decode(rest.substring(colon + 1));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(aad);
      return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("A plugin secret sealed with key " + keyId + " does not decrypt (wrong key or "
          + "tampered value).", e);
    }
  }

  private static byte[] aad(String community, String plugin, String field) {
    return (community + "/" + plugin + "/" + field).getBytes(StandardCharsets.UTF_8);
  }

  private String add(byte[] key) {
    String id = keyId(key);
    keys.putIfAbsent(id, new SecretKeySpec(key, "AES"));
    return id;
  }

  /** A short public name of a key: the first 8 hex digits of its SHA-256. */
  static String keyId(byte[] key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key)).substring(0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] decodeKey(String base64, String variable) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(variable + " must be base64 (generate one with: openssl rand -base64 32)");
    }
    if (key.length != 32) {
      throw new IllegalStateException(variable + " must decode to 32 bytes (AES-256); it decodes to " + key.length);
    }
    return key;
  }
}

package org.metagov.api.security;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.metagov.api.config.EmbeddedDefaultsEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The service's AES-256 keys, and AES-256-GCM encryption with them. The keys are the current master
 * key ({@code METAGOV_SECRET_KEY}) and, during a rotation, the previous ones ({@code
 * METAGOV_PREVIOUS_SECRET_KEYS}), each named by a short public id. New ciphertext is always sealed
 * with the current key; a ciphertext is stored with the id of its key, so it still opens after a
 * rotation while that key is listed among the previous ones.
 *
 * <p>Each {@link Purpose} gets its own key from each master key, so a ciphertext of one purpose
 * never opens as another. In the embedded run (neither a database nor a Temporal cluster
 * configured, so nothing encrypted outlives the process) a missing key is replaced by a random one;
 * anything else needs a key.
 */
@Component
public class KeyRing {

  private static final Logger log = LoggerFactory.getLogger(KeyRing.class);

  /** What a key is for. */
  public enum Purpose {
    /**
     * Plugin secrets at rest in PostgreSQL. They were sealed with the master key itself before the
     * ring had other purposes, and stored values must keep opening, so this purpose uses the master
     * key unchanged.
     */
    PLUGIN_SECRETS(null),
    /**
     * Payloads in Temporal's histories (workflow inputs, results, signals, memos, failure
     * messages).
     */
    TEMPORAL_PAYLOADS("metagov/temporal-payloads/v1");

    private final String label;

    Purpose(String label) {
      this.label = label;
    }
  }

  /** A ciphertext and the id of the master key whose purpose key sealed it. */
  public record Sealed(String keyId, byte[] ciphertext) {}

  /**
   * A ciphertext that does not open: its key is not configured, or the key did not seal these
   * bytes.
   */
  public static final class NotOpenable extends Exception {

    private final boolean keyMissing;

    NotOpenable(String message, boolean keyMissing, Throwable cause) {
      super(message, cause);
      this.keyMissing = keyMissing;
    }

    /** Whether the key is not configured (rather than the ciphertext being wrong). */
    public boolean keyMissing() {
      return keyMissing;
    }
  }

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecureRandom random = new SecureRandom();

  /**
   * One cipher per thread, initialised anew for every message: looking up the provider for every
   * payload cost about a third of the encryption's time, and the cipher also keeps its expanded key
   * from one message to the next while the key stays the same.
   */
  private static final ThreadLocal<Cipher> CIPHERS =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("AES-GCM is not available", e);
            }
          });

  private final String currentId;
  private final Map<Purpose, Map<String, SecretKeySpec>> keys = new EnumMap<>(Purpose.class);

  @Autowired
  public KeyRing(SecretKeyProperties properties, Environment environment) {
    this(properties, EmbeddedDefaultsEnvironment.embedded(environment));
  }

  /**
   * @param embedded whether nothing encrypted outlives this process, so a random key may stand in
   *     for a missing one
   */
  public KeyRing(SecretKeyProperties properties, boolean embedded) {
    byte[] current;
    String configured = properties.key();
    if (configured == null || configured.isBlank()) {
      if (!embedded) {
        throw new IllegalStateException(
            "METAGOV_SECRET_KEY is required with a real database or a Temporal cluster: "
                + "plugin secrets and Temporal payloads are encrypted with it. Generate one with: openssl rand -base64 32");
      }
      current = new byte[32];
      random.nextBytes(current);
      log.info(
          "No METAGOV_SECRET_KEY: plugin secrets and Temporal payloads of this embedded run are encrypted with a "
              + "key that lives only as long as this process.");
    } else {
      current = decodeKey(configured, "METAGOV_SECRET_KEY");
    }
    for (Purpose purpose : Purpose.values()) {
      keys.put(purpose, new LinkedHashMap<>());
    }
    currentId = add(current);
    String previous = properties.previousKeys();
    for (String key : previous == null ? new String[0] : previous.split(",")) {
      if (!key.isBlank()) {
        add(decodeKey(key.trim(), "METAGOV_PREVIOUS_SECRET_KEYS"));
      }
    }
  }

  /** The id of the current master key, which names the key in every new ciphertext. */
  public String currentId() {
    return currentId;
  }

  /**
   * Encrypts with the current key of the purpose: a fresh random nonce, then the ciphertext and its
   * tag. The associated data is authenticated, not stored: opening needs the same.
   */
  public Sealed seal(Purpose purpose, byte[] plaintext, byte[] associatedData) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = CIPHERS.get();
      cipher.init(
          Cipher.ENCRYPT_MODE,
          keys.get(purpose).get(currentId),
          new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(associatedData);
      byte[] ciphertext = cipher.doFinal(plaintext);
      return new Sealed(
          currentId,
          ByteBuffer.allocate(nonce.length + ciphertext.length).put(nonce).put(ciphertext).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * Decrypts what {@link #seal} made with the key of this id, checking the tag and the associated
   * data.
   */
  public byte[] open(Purpose purpose, String keyId, byte[] sealed, byte[] associatedData)
      throws NotOpenable {
    SecretKeySpec key = keys.get(purpose).get(keyId);
    if (key == null) {
      throw new NotOpenable(
          "key " + keyId + " is not configured; add it to METAGOV_PREVIOUS_SECRET_KEYS",
          true,
          null);
    }
    try {
      Cipher cipher = CIPHERS.get();
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
      cipher.updateAAD(associatedData);
      return cipher.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new NotOpenable(
          "it does not decrypt with key " + keyId + " (wrong key or tampered ciphertext)",
          false,
          e);
    }
  }

  /** A short public name of a master key: the first 8 hex digits of its SHA-256. */
  public static String keyId(byte[] key) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(key))
          .substring(0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String add(byte[] master) {
    String id = keyId(master);
    for (Purpose purpose : Purpose.values()) {
      keys.get(purpose)
          .putIfAbsent(
              id,
              new SecretKeySpec(
                  purpose.label == null ? master : derive(master, purpose.label), "AES"));
    }
    return id;
  }

  /**
   * HKDF-Expand (RFC 5869) of one 32-byte block with the master key as the pseudorandom key: the
   * master key is already uniformly random, so the extract step is not needed.
   */
  private static byte[] derive(byte[] master, String label) {
    try {
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(master, "HmacSHA256"));
      hmac.update(label.getBytes(StandardCharsets.UTF_8));
      hmac.update((byte) 1);
      return hmac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] decodeKey(String base64, String variable) {
    byte[] key;
    try {
      key = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          variable + " must be base64 (generate one with: openssl rand -base64 32)");
    }
    if (key.length != 32) {
      throw new IllegalStateException(
          variable + " must decode to 32 bytes (AES-256); it decodes to " + key.length);
    }
    return key;
  }
}

package org.metagov.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.metagov.api.security.KeyRing.Purpose;

class KeyRingTest {

  static final String KEY = SecretCipherTest.NEW_KEY;
  static final byte[] AAD = "aad".getBytes(StandardCharsets.UTF_8);

  static KeyRing ring(String key, String previousKeys) {
    return new KeyRing(new SecretKeyProperties(key, previousKeys), false);
  }

  @Test
  void aRealDeploymentNeedsAKeyAndKeysMustBe256Bits() {
    assertThatThrownBy(() -> ring("", ""))
        .hasMessageContaining("METAGOV_SECRET_KEY is required")
        .hasMessageContaining("Temporal");
    assertThatThrownBy(() -> ring(Base64.getEncoder().encodeToString(new byte[16]), ""))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> ring("not base64!", "")).hasMessageContaining("base64");
    assertThatThrownBy(() -> ring(KEY, "AAAA"))
        .hasMessageContaining("METAGOV_PREVIOUS_SECRET_KEYS");
    assertThat(new KeyRing(new SecretKeyProperties("", ""), true).currentId())
        .as("the embedded run's random key")
        .hasSize(8);
  }

  @Test
  void aThreadsCipherServesEveryKeyAndPurposeInTurnAndSurvivesATamperedMessage() throws Exception {
    KeyRing keys = ring(KEY, "");
    KeyRing other = ring(SecretCipherTest.OLD_KEY, "");
    byte[] plaintext = "payload".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 3; i++) {
      KeyRing.Sealed history = keys.seal(Purpose.TEMPORAL_PAYLOADS, plaintext, AAD);
      KeyRing.Sealed secret = other.seal(Purpose.PLUGIN_SECRETS, plaintext, AAD);
      byte[] tampered = history.ciphertext().clone();
      tampered[tampered.length - 1] ^= 1;
      assertThatThrownBy(() -> keys.open(Purpose.TEMPORAL_PAYLOADS, history.keyId(), tampered, AAD))
          .isInstanceOf(KeyRing.NotOpenable.class);
      assertThat(keys.open(Purpose.TEMPORAL_PAYLOADS, history.keyId(), history.ciphertext(), AAD))
          .isEqualTo(plaintext);
      assertThat(other.open(Purpose.PLUGIN_SECRETS, secret.keyId(), secret.ciphertext(), AAD))
          .isEqualTo(plaintext);
      assertThatThrownBy(
              () -> keys.open(Purpose.PLUGIN_SECRETS, history.keyId(), history.ciphertext(), AAD))
          .as("another purpose's key does not open it")
          .isInstanceOf(KeyRing.NotOpenable.class);
    }
  }

  @Test
  void eachPurposeHasItsOwnKey() throws Exception {
    KeyRing keys = ring(KEY, "");
    KeyRing.Sealed payload =
        keys.seal(Purpose.TEMPORAL_PAYLOADS, "parameters".getBytes(StandardCharsets.UTF_8), AAD);

    assertThat(keys.open(Purpose.TEMPORAL_PAYLOADS, payload.keyId(), payload.ciphertext(), AAD))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("parameters");
    assertThatThrownBy(
            () -> keys.open(Purpose.PLUGIN_SECRETS, payload.keyId(), payload.ciphertext(), AAD))
        .isInstanceOf(KeyRing.NotOpenable.class)
        .hasMessageContaining("does not decrypt");
    assertThatThrownBy(
            () ->
                keys.open(
                    Purpose.TEMPORAL_PAYLOADS,
                    payload.keyId(),
                    payload.ciphertext(),
                    "other".getBytes()))
        .isInstanceOf(KeyRing.NotOpenable.class);
  }

  @Test
  void pluginSecretsStillUseTheMasterKeyItselfSoStoredSecretsKeepOpening() throws Exception {
    byte[] master = Base64.getDecoder().decode(KEY);
    KeyRing.Sealed sealed =
        ring(KEY, "").seal(Purpose.PLUGIN_SECRETS, "s3cr3t".getBytes(StandardCharsets.UTF_8), AAD);

    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        Cipher.DECRYPT_MODE,
        new SecretKeySpec(master, "AES"),
        new GCMParameterSpec(128, sealed.ciphertext(), 0, 12));
    cipher.updateAAD(AAD);
    assertThat(cipher.doFinal(sealed.ciphertext(), 12, sealed.ciphertext().length - 12))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("s3cr3t");
    assertThat(sealed.keyId()).isEqualTo(KeyRing.keyId(master));
  }

  @Test
  void aPreviousKeyOpensWhatItSealedAndAnUnknownKeyIsNamed() throws Exception {
    String old = SecretCipherTest.OLD_KEY;
    KeyRing.Sealed sealedWithOld =
        ring(old, "").seal(Purpose.TEMPORAL_PAYLOADS, "x".getBytes(StandardCharsets.UTF_8), AAD);

    KeyRing rotated = ring(KEY, old);
    assertThat(
            rotated.open(
                Purpose.TEMPORAL_PAYLOADS, sealedWithOld.keyId(), sealedWithOld.ciphertext(), AAD))
        .asString(StandardCharsets.UTF_8)
        .isEqualTo("x");
    assertThat(rotated.seal(Purpose.TEMPORAL_PAYLOADS, new byte[1], AAD).keyId())
        .isEqualTo(rotated.currentId())
        .isNotEqualTo(sealedWithOld.keyId());
    assertThatThrownBy(
            () ->
                ring(KEY, "")
                    .open(
                        Purpose.TEMPORAL_PAYLOADS,
                        sealedWithOld.keyId(),
                        sealedWithOld.ciphertext(),
                        AAD))
        .isInstanceOfSatisfying(KeyRing.NotOpenable.class, e -> assertThat(e.keyMissing()).isTrue())
        .hasMessageContaining(sealedWithOld.keyId())
        .hasMessageContaining("METAGOV_PREVIOUS_SECRET_KEYS");
  }
}

package org.metagov.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import tools.jackson.databind.node.ObjectNode;

class SecretCipherTest {

  static final String OLD_KEY = Base64.getEncoder().encodeToString(new byte[32]);
  static final String NEW_KEY =
      Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  static final Set<String> SECRETS = Set.of("api_key");

  static ObjectNode config() {
    return (ObjectNode) Json.parse("{\"api_key\": \"s3cr3t-value\", \"label\": \"plain\"}");
  }

  @Test
  void sealsOnlySecretFieldsAndOpensThemAgain() {
    SecretCipher cipher = cipher(NEW_KEY, "");
    ObjectNode sealed = cipher.seal("c1", "loomio", config(), SECRETS);

    assertThat(sealed.path("api_key").asString())
        .startsWith("enc:v1:" + cipher.currentKeyId() + ":")
        .doesNotContain("s3cr3t");
    assertThat(sealed.path("label").asString()).isEqualTo("plain");
    assertThat(cipher.open("c1", "loomio", sealed, SECRETS)).isEqualTo(config());
    assertThat(cipher.seal("c1", "loomio", config(), SECRETS).path("api_key"))
        .as("a fresh nonce each time")
        .isNotEqualTo(sealed.path("api_key"));
  }

  @Test
  void aSealedValueCopiedToAnotherCommunityDoesNotOpen() {
    SecretCipher cipher = cipher(NEW_KEY, "");
    ObjectNode sealed = cipher.seal("c1", "loomio", config(), SECRETS);

    assertThatThrownBy(() -> cipher.open("c2", "loomio", sealed, SECRETS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("does not decrypt");
  }

  @Test
  void rotationOpensOldValuesAndResealsThemWithTheNewKey() {
    SecretCipher before = cipher(OLD_KEY, "");
    ObjectNode sealedWithOld = before.seal("c1", "loomio", config(), SECRETS);

    SecretCipher during = cipher(NEW_KEY, OLD_KEY);
    assertThat(during.needsResealing(sealedWithOld, SECRETS)).isTrue();
    ObjectNode resealed =
        during.seal("c1", "loomio", during.open("c1", "loomio", sealedWithOld, SECRETS), SECRETS);
    assertThat(during.needsResealing(resealed, SECRETS)).isFalse();

    SecretCipher after = cipher(NEW_KEY, "");
    assertThat(after.open("c1", "loomio", resealed, SECRETS)).isEqualTo(config());
    assertThatThrownBy(() -> after.open("c1", "loomio", sealedWithOld, SECRETS))
        .hasMessageContaining("not configured")
        .hasMessageContaining("METAGOV_PREVIOUS_SECRET_KEYS");
  }

  @Test
  void plaintextFromBeforeEncryptionPassesThroughAndNeedsResealing() {
    SecretCipher cipher = cipher(NEW_KEY, "");
    assertThat(cipher.open("c1", "loomio", config(), SECRETS)).isEqualTo(config());
    assertThat(cipher.needsResealing(config(), SECRETS)).isTrue();
  }

  /** A cipher on a deployment with a real database: keys must be configured. */
  static SecretCipher cipher(String key, String previousKeys) {
    return new SecretCipher(new KeyRing(new SecretKeyProperties(key, previousKeys), false));
  }
}

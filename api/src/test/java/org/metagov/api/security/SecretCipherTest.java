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
  static final String NEW_KEY = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());
  static final Set<String> SECRETS = Set.of("api_key");

  static ObjectNode config() {
    return (ObjectNode) Json.parse("{\"api_key\": \"s3cr3t-value\", \"label\": \"plain\"}");
  }

  @Test
  void sealsOnlySecretFieldsAndOpensThemAgain() {
    SecretCipher cipher = new SecretCipher(NEW_KEY, "", "jdbc:postgresql://db/metagov");
    ObjectNode sealed = cipher.seal("c1", "loomio", config(), SECRETS);

    assertThat(sealed.path("api_key").asString()).startsWith("enc:v1:" + cipher.currentKeyId() + ":").doesNotContain("s3cr3t");
    assertThat(sealed.path("label").asString()).isEqualTo("plain");
    assertThat(cipher.open("c1", "loomio", sealed, SECRETS)).isEqualTo(config());
    assertThat(cipher.seal("c1", "loomio", config(), SECRETS).path("api_key"))
        .as("a fresh nonce each time").isNotEqualTo(sealed.path("api_key"));
  }

  @Test
  void aSealedValueCopiedToAnotherCommunityDoesNotOpen() {
    SecretCipher cipher = new SecretCipher(NEW_KEY, "", "jdbc:postgresql://db/metagov");
    ObjectNode sealed = cipher.seal("c1", "loomio", config(), SECRETS);

    assertThatThrownBy(() -> cipher.open("c2", "loomio", sealed, SECRETS))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not decrypt");
  }

  @Test
  void rotationOpensOldValuesAndResealsThemWithTheNewKey() {
    SecretCipher before = new SecretCipher(OLD_KEY, "", "jdbc:postgresql://db/metagov");
    ObjectNode sealedWithOld = before.seal("c1", "loomio", config(), SECRETS);

    SecretCipher during = new SecretCipher(NEW_KEY, OLD_KEY, "jdbc:postgresql://db/metagov");
    assertThat(during.needsResealing(sealedWithOld, SECRETS)).isTrue();
    ObjectNode resealed = during.seal("c1", "loomio", during.open("c1", "loomio", sealedWithOld, SECRETS), SECRETS);
    assertThat(during.needsResealing(resealed, SECRETS)).isFalse();

    SecretCipher after = new SecretCipher(NEW_KEY, "", "jdbc:postgresql://db/metagov");
    assertThat(after.open("c1", "loomio", resealed, SECRETS)).isEqualTo(config());
    assertThatThrownBy(() -> after.open("c1", "loomio", sealedWithOld, SECRETS))
        .hasMessageContaining("not configured").hasMessageContaining("METAGOV_PREVIOUS_SECRET_KEYS");
  }

  @Test
  void plaintextFromBeforeEncryptionPassesThroughAndNeedsResealing() {
    SecretCipher cipher = new SecretCipher(NEW_KEY, "", "jdbc:postgresql://db/metagov");
    assertThat(cipher.open("c1", "loomio", config(), SECRETS)).isEqualTo(config());
    assertThat(cipher.needsResealing(config(), SECRETS)).isTrue();
  }

  @Test
  void aRealDatabaseNeedsAKeyAndKeysMustBe256Bits() {
    assertThatThrownBy(() -> new SecretCipher("", "", "jdbc:postgresql://db/metagov"))
        .hasMessageContaining("METAGOV_SECRET_KEY is required");
    assertThatThrownBy(() -> new SecretCipher(Base64.getEncoder().encodeToString(new byte[16]), "", ""))
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> new SecretCipher("not base64!", "", "")).hasMessageContaining("base64");
    assertThat(new SecretCipher("", "", "").currentKeyId()).hasSize(8);
  }
}

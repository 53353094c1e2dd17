package org.metagov.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.failure.v1.Failure;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metagov.api.security.KeyRing;
import org.metagov.api.security.SecretKeyProperties;

class PayloadEncryptionCodecTest {

  static final String OLD_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  static final String NEW_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  static final String CALLBACK = "https://driver.example.org/receive?token=s3cr3t-query-token";

  static PayloadEncryptionCodec codec(String key, String previousKeys) {
    return new PayloadEncryptionCodec(
        new KeyRing(new SecretKeyProperties(key, previousKeys), false));
  }

  static Payload json(Object value) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(value).orElseThrow();
  }

  static String clear(Payload payload) {
    return payload.toByteString().toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void aPayloadIsEncryptedUnderTheCurrentKeyAndDecodesToTheOriginal() {
    PayloadEncryptionCodec codec = codec(NEW_KEY, "");
    Payload original = json(Map.of("callback_url", CALLBACK, "options", List.of("yes", "no")));

    Payload encrypted = codec.encode(List.of(original)).get(0);

    assertThat(encrypted.getMetadataOrThrow("encoding").toStringUtf8())
        .isEqualTo("binary/encrypted");
    assertThat(encrypted.getMetadataOrThrow("encryption-key-id").toStringUtf8())
        .isEqualTo(KeyRing.keyId(java.util.Base64.getDecoder().decode(NEW_KEY)));
    assertThat(encrypted.getMetadataCount())
        .as("the original's json/plain encoding is inside the ciphertext")
        .isEqualTo(2);
    assertThat(clear(encrypted))
        .doesNotContain("s3cr3t")
        .doesNotContain("driver.example.org")
        .doesNotContain("json");
    assertThat(codec.encode(List.of(original)).get(0).getData())
        .as("a fresh nonce each time")
        .isNotEqualTo(encrypted.getData());
    assertThat(codec.decode(List.of(encrypted))).containsExactly(original);
  }

  @Test
  void aTamperedPayloadDoesNotDecode() {
    PayloadEncryptionCodec codec = codec(NEW_KEY, "");
    Payload encrypted = codec.encode(List.of(json("parameters"))).get(0);
    byte[] data = encrypted.getData().toByteArray();
    data[data.length / 2] ^= 1;
    Payload tampered = encrypted.toBuilder().setData(ByteString.copyFrom(data)).build();

    assertThatThrownBy(() -> codec.decode(List.of(tampered)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining("does not decrypt");
    Payload withoutKeyId = encrypted.toBuilder().removeMetadata("encryption-key-id").build();
    assertThatThrownBy(() -> codec.decode(List.of(withoutKeyId)))
        .isInstanceOf(PayloadCodecException.class);
  }

  @Test
  void payloadsEncryptedBeforeARotationStillDecodeWhileTheOldKeyIsListed() {
    Payload original = json(Map.of("title", "Adopt X"));
    Payload encryptedWithOld = codec(OLD_KEY, "").encode(List.of(original)).get(0);

    PayloadEncryptionCodec rotated = codec(NEW_KEY, OLD_KEY);
    assertThat(rotated.decode(List.of(encryptedWithOld))).containsExactly(original);
    assertThat(rotated.encode(List.of(original)).get(0).getMetadataOrThrow("encryption-key-id"))
        .isNotEqualTo(encryptedWithOld.getMetadataOrThrow("encryption-key-id"));

    assertThatThrownBy(() -> codec(NEW_KEY, "").decode(List.of(encryptedWithOld)))
        .isInstanceOf(PayloadCodecException.class)
        .hasMessageContaining(
            encryptedWithOld.getMetadataOrThrow("encryption-key-id").toStringUtf8())
        .hasMessageContaining("METAGOV_PREVIOUS_SECRET_KEYS");
  }

  @Test
  void payloadsRecordedBeforeEncryptionPassThrough() {
    Payload plain = json(Map.of("title", "Adopt X"));
    Payload binary =
        Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("binary/plain"))
            .setData(ByteString.copyFromUtf8("raw"))
            .build();

    assertThat(codec(NEW_KEY, "").decode(List.of(plain, binary))).containsExactly(plain, binary);
  }

  @Test
  void theDataConverterEncryptsFailureMessagesAndRestoresThem() {
    DataConverter converter = codec(NEW_KEY, "").dataConverter();
    ApplicationFailure platformError =
        ApplicationFailure.newNonRetryableFailure(
            "Loomio answered 422: group 77 of s3cr3t-collective is archived", "PlatformRejected");

    Failure failure = converter.exceptionToFailure(platformError);

    assertThat(failure.getMessage()).doesNotContain("s3cr3t");
    assertThat(failure.getStackTrace()).isEmpty();
    assertThat(failure.toByteString().toString(StandardCharsets.ISO_8859_1))
        .doesNotContain("s3cr3t")
        .doesNotContain("Loomio");
    assertThat(failure.getApplicationFailureInfo().getType())
        .as("the type stays readable")
        .isEqualTo("PlatformRejected");
    ApplicationFailure restored = (ApplicationFailure) converter.failureToException(failure);
    assertThat(restored.getOriginalMessage())
        .isEqualTo("Loomio answered 422: group 77 of s3cr3t-collective is archived");
  }

  @Test
  void theDataConverterEncryptsValuesAndReadsThemBack() {
    DataConverter converter = codec(NEW_KEY, "").dataConverter();
    Payload payload = converter.toPayload(Map.of("callback_url", CALLBACK)).orElseThrow();

    assertThat(clear(payload)).doesNotContain("s3cr3t");
    @SuppressWarnings("unchecked")
    Map<String, Object> back = converter.fromPayload(payload, Map.class, Map.class);
    assertThat(back).containsEntry("callback_url", CALLBACK);
  }
}

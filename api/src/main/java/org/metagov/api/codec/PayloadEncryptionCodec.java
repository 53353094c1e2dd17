package org.metagov.api.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.CodecDataConverter;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.common.converter.EncodingKeys;
import io.temporal.payload.codec.PayloadCodec;
import io.temporal.payload.codec.PayloadCodecException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.metagov.api.security.KeyRing;
import org.metagov.api.security.KeyRing.Purpose;
import org.springframework.stereotype.Component;

/**
 * Encrypts every Temporal payload (workflow and activity inputs and results, signals, updates,
 * queries, memos, failure messages) with AES-256-GCM under the {@link KeyRing}'s Temporal key, so
 * Temporal's database and UI hold no process parameters, callback URLs, event bodies or platform
 * error texts in clear.
 *
 * <p>An encrypted payload has the metadata {@code encoding: binary/encrypted} and {@code
 * encryption-key-id} (the master key's id, so payloads sealed before a key rotation still open);
 * its data is a fresh nonce, then the original payload's protobuf bytes encrypted. A payload
 * without that encoding (recorded before encryption was on) decodes as it is.
 */
@Component
public class PayloadEncryptionCodec implements PayloadCodec {

  static final ByteString ENCRYPTED = ByteString.copyFromUtf8("binary/encrypted");
  static final String KEY_ID = "encryption-key-id";

  /** Binds the ciphertext to this use: the same key never opens it as anything else. */
  private static final byte[] ASSOCIATED_DATA =
      "metagov temporal payload v1".getBytes(StandardCharsets.UTF_8);

  private final KeyRing keys;

  public PayloadEncryptionCodec(KeyRing keys) {
    this.keys = keys;
  }

  /**
   * The data converter of the Temporal client and workers: JSON as before, then this codec, which
   * also covers failures' messages and stack traces (which Temporal otherwise keeps in clear).
   */
  public DataConverter dataConverter() {
    return new CodecDataConverter(DefaultDataConverter.newDefaultInstance(), List.of(this), true);
  }

  @Override
  public List<Payload> encode(List<Payload> payloads) {
    return payloads.stream().map(this::encode).toList();
  }

  @Override
  public List<Payload> decode(List<Payload> payloads) {
    return payloads.stream().map(this::decode).toList();
  }

  private Payload encode(Payload payload) {
    KeyRing.Sealed sealed =
        keys.seal(Purpose.TEMPORAL_PAYLOADS, payload.toByteArray(), ASSOCIATED_DATA);
    return Payload.newBuilder()
        .putMetadata(EncodingKeys.METADATA_ENCODING_KEY, ENCRYPTED)
        .putMetadata(KEY_ID, ByteString.copyFromUtf8(sealed.keyId()))
        .setData(ByteString.copyFrom(sealed.ciphertext()))
        .build();
  }

  private Payload decode(Payload payload) {
    if (!ENCRYPTED.equals(payload.getMetadataOrDefault(EncodingKeys.METADATA_ENCODING_KEY, null))) {
      return payload;
    }
    ByteString keyId = payload.getMetadataOrDefault(KEY_ID, null);
    if (keyId == null) {
      throw new PayloadCodecException("An encrypted payload has no " + KEY_ID + ".");
    }
    try {
      return Payload.parseFrom(
          keys.open(
              Purpose.TEMPORAL_PAYLOADS,
              keyId.toStringUtf8(),
              payload.getData().toByteArray(),
              ASSOCIATED_DATA));
    } catch (KeyRing.NotOpenable e) {
      throw new PayloadCodecException(
          "An encrypted Temporal payload cannot be decrypted: " + e.getMessage() + ".", e);
    } catch (InvalidProtocolBufferException e) {
      throw new PayloadCodecException(
          "An encrypted Temporal payload decrypts to something that is not a payload.", e);
    }
  }
}

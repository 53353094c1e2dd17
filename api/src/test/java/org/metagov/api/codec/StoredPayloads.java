package org.metagov.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.SearchAttributes;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What Temporal stores, read raw (no codec): every {@link Payload} and {@link Failure} inside a
 * protobuf message such as a history or a workflow's description, and assertions that nothing
 * readable is left in them.
 */
final class StoredPayloads {

  /**
   * What the SDK itself writes in clear in its markers (version and local-activity markers): change
   * ids, versions, activity ids and types, times and attempt counts, never application data. A
   * marker's results and side effects' data are application data and go through the codec.
   */
  private static final Set<String> SDK_MARKER_FIELDS =
      Set.of("changeId", "version", "activityId", "type", "time", "meta");

  private StoredPayloads() {}

  /**
   * Every payload in the message, except search attributes (never encoded, so Temporal can index
   * them) and the SDK's own marker fields ({@link #SDK_MARKER_FIELDS}).
   */
  static List<Payload> payloads(Message message) {
    List<Payload> found = new ArrayList<>();
    walk(message, Payload.class, found);
    return found;
  }

  static List<Failure> failures(Message message) {
    List<Failure> found = new ArrayList<>();
    walk(message, Failure.class, found);
    return found;
  }

  /**
   * Asserts that the stored bytes contain none of the texts, that the message has payloads and each
   * is encrypted, and that no failure keeps its message or stack trace in clear.
   */
  static void assertNothingInClear(Message stored, String... texts) {
    String bytes = stored.toByteString().toString(StandardCharsets.ISO_8859_1);
    for (String text : texts) {
      assertThat(bytes).as("the stored bytes hold no \"%s\"", text).doesNotContain(text);
    }
    List<Payload> payloads = payloads(stored);
    assertThat(payloads)
        .as("payloads")
        .isNotEmpty()
        .allSatisfy(
            payload ->
                assertThat(payload.getMetadataOrThrow("encoding").toStringUtf8())
                    .isEqualTo("binary/encrypted"));
    assertThat(failures(stored))
        .allSatisfy(
            failure -> {
              assertThat(failure.hasEncodedAttributes()).as("failure attributes encoded").isTrue();
              assertThat(failure.getStackTrace()).isEmpty();
            });
  }

  private static <T extends Message> void walk(Message message, Class<T> type, List<T> found) {
    if (message instanceof SearchAttributes) {
      return;
    }
    if (type.isInstance(message)) {
      found.add(type.cast(message));
    }
    if (message instanceof MarkerRecordedEventAttributes marker) {
      marker
          .getDetailsMap()
          .forEach(
              (key, details) -> {
                if (!SDK_MARKER_FIELDS.contains(key)) {
                  walk(details, type, found);
                }
              });
      marker.toBuilder()
          .clearDetails()
          .build()
          .getAllFields()
          .values()
          .forEach(value -> walkValue(value, type, found));
      return;
    }
    message.getAllFields().values().forEach(value -> walkValue(value, type, found));
  }

  private static <T extends Message> void walkValue(Object value, Class<T> type, List<T> found) {
    if (value instanceof Message child) {
      walk(child, type, found);
    } else if (value instanceof List<?> list) {
      list.stream()
          .filter(Message.class::isInstance)
          .forEach(child -> walk((Message) child, type, found));
    }
  }
}

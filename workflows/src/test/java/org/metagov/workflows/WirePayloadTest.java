package org.metagov.workflows;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.process.ProcessProjection;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStart;

/**
 * The records that cross the workflow boundary keep the JSON that recorded histories hold (the
 * payloads below are copied from them): Temporal's default data converter reads each one and writes
 * it back byte for byte.
 */
class WirePayloadTest {

  private static final DataConverter CONVERTER = DefaultDataConverter.newDefaultInstance();

  private static <T> String roundTrip(String json, Class<T> type) {
    Payload payload =
        Payload.newBuilder()
            .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
            .setData(ByteString.copyFromUtf8(json))
            .build();
    T value = CONVERTER.fromPayload(payload, type, type);
    return CONVERTER.toPayload(value).orElseThrow().getData().toString(StandardCharsets.UTF_8);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
      {"id":1,"name":"loomio.poll","community":"c1","status":"completed","url":"https://loomio.test/p/abc123","errors":{},"outcome":{"poll_url":"https://loomio.test/p/abc123","votes":{"yes":2,"no":1}}}""",
        """
      {"id":3,"name":"loomio.poll","community":"c1","status":"failed","url":null,"errors":{"start":"Loomio answered 422: closing_at must be in the future"},"outcome":{}}""",
        """
      {"id":0,"name":null,"community":null,"status":"created","url":null,"errors":{},"outcome":{}}"""
      })
  void processRecordsKeepTheirJson(String json) {
    assertThat(roundTrip(json, ProcessRecord.class)).isEqualTo(json);
  }

  @Test
  void projectionsKeepTheirJson() {
    String json =
        """
        {"record":{"id":4,"name":"loomio.poll","community":"c1","status":"pending","url":"https://loomio.test/p/abc123","errors":{},"outcome":{"poll_url":"https://loomio.test/p/abc123","votes":{"yes":1601,"no":0}}},"version":76,"routingKeys":["poll:abc123"]}""";
    assertThat(roundTrip(json, ProcessProjection.class)).isEqualTo(json);
  }

  @Test
  void carriedStateKeepsItsJson() {
    String json =
        """
        {"id":4,"community":"c1","plugin":"loomio","process":"poll","parameters":{"options":["yes","no"],"title":"Adopt X"},"closingAtMillis":1797385347611,"callbackUrl":null,"reconcileSeconds":0,"searchAttributes":false,"deliveryPolicy":{"giveUpAfterSeconds":345600,"maxBackoffSeconds":3600},"carried":{"status":"pending","url":"https://loomio.test/p/abc123","outcome":{"poll_url":"https://loomio.test/p/abc123","votes":{"yes":1550,"no":0}},"errors":{},"platformState":{"poll_key":"abc123"},"routingKeys":["poll:abc123"],"version":74,"refreshOwed":true}}""";
    assertThat(roundTrip(json, ProcessStart.class)).isEqualTo(json);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
      {"id":"process-1-result","kind":"callback","community":"c1","processId":1,"url":"http://127.0.0.1:9/cb","body":{"id":1,"name":"loomio.poll","community":"c1","status":"completed","url":"https://loomio.test/p/abc123","errors":{},"outcome":{"poll_url":"https://loomio.test/p/abc123","votes":{"yes":2,"no":1}}}}""",
        """
      {"id":"e1","kind":"event","community":"c1","processId":null,"url":"http://127.0.0.1:9/events","body":{"event_type":"post_created"}}"""
      })
  void deliveriesKeepTheirJson(String json) {
    assertThat(roundTrip(json, Delivery.class)).isEqualTo(json);
  }
}

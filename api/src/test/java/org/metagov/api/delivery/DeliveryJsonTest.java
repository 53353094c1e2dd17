package org.metagov.api.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metagov.activities.json.Json;
import org.metagov.api.delivery.DeliveryRepository.DeliveryView;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.process.ProcessRecord;

/**
 * What Drivers read keeps its JSON under the API's Jackson: each document is read and written back
 * unchanged.
 */
class DeliveryJsonTest {

  private static <T> String roundTrip(String json, Class<T> type) {
    return Json.write(Json.MAPPER.readValue(json, type));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
      {"id":"process-1-result","kind":"callback","community":"c1","process_id":1,"url":"http://127.0.0.1:9/cb","status":"dead","attempts":3,"last_error":"503","created_at":"2026-01-01 00:00:00+00","delivered_at":null,"body":{"status":"completed"}}""",
        """
      {"id":"e1","kind":"event","community":"c1","process_id":null,"url":"http://127.0.0.1:9/events","status":"queued","attempts":0,"last_error":null,"created_at":"2026-01-01 00:00:00+00","delivered_at":null,"body":{}}""",
        """
      {"id":"e2","kind":"event","community":"c1","process_id":null,"url":"http://127.0.0.1:9/events","status":"delivered","attempts":1,"last_error":null,"created_at":"2026-01-01 00:00:00+00","delivered_at":"2026-01-01 00:00:01+00","body":{}}"""
      })
  void deliveryViewsKeepTheirJson(String json) {
    assertThat(roundTrip(json, DeliveryView.class)).isEqualTo(json);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
      {"id":"process-1-result","kind":"callback","community":"c1","processId":1,"url":"http://127.0.0.1:9/cb","body":{"status":"completed"}}""",
        """
      {"id":"e1","kind":"event","community":"c1","processId":null,"url":"http://127.0.0.1:9/events","body":{"event_type":"post_created"}}"""
      })
  void deliveriesKeepTheirJson(String json) {
    assertThat(roundTrip(json, Delivery.class)).isEqualTo(json);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        """
      {"id":1,"name":"loomio.poll","community":"c1","status":"pending","url":"https://loomio.test/p/abc123","errors":{},"outcome":{"votes":{"yes":2,"no":1}}}""",
        """
      {"id":3,"name":"loomio.poll","community":"c1","status":"failed","url":null,"errors":{"start":"Loomio answered 422"},"outcome":{}}"""
      })
  void processRecordsKeepTheirJson(String json) {
    assertThat(roundTrip(json, ProcessRecord.class)).isEqualTo(json);
  }
}

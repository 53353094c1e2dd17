package org.metagov.api.delivery;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Optional;
import org.metagov.activities.delivery.DeliveryStore;
import org.metagov.activities.json.Json;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryKind;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.JsonNode;

/** Outbound deliveries (callbacks and events) and their fate, for operators and Drivers. */
@Repository
public class DeliveryRepository implements DeliveryStore {

  private final JdbcClient jdbc;
  private final io.micrometer.core.instrument.MeterRegistry meters;

  public DeliveryRepository(JdbcClient jdbc, io.micrometer.core.instrument.MeterRegistry meters) {
    this.jdbc = jdbc;
    this.meters = meters;
  }

  private void count(String deliveryId, String outcome) {
    meters
        .counter(
            "metagov.delivery.attempts", "kind", kind(deliveryId).wireName(), "outcome", outcome)
        .increment();
  }

  /** Callbacks are named {@code process-{id}-result}; every other delivery is an event. */
  private static DeliveryKind kind(String deliveryId) {
    return deliveryId.startsWith("process-") ? DeliveryKind.CALLBACK : DeliveryKind.EVENT;
  }

  /** A delivery as the API shows it. */
  public record DeliveryView(
      String id,
      DeliveryKind kind,
      String community,
      @Schema(
              types = {"integer", "null"},
              format = "int64",
              description = "The process of a callback; null for an event.")
          Long process_id,
      String url,
      DeliveryStatus status,
      int attempts,
      @Schema(types = {"string", "null"}) String last_error,
      String created_at,
      @Schema(types = {"string", "null"}) String delivered_at,
      JsonNode body) {}

  @Override
  public void register(Delivery delivery) {
    jdbc.sql(
            """
            insert into delivery (id, kind, community_slug, process_id, url, body, status)
            values (:id, :kind, :community, :processId, :url, :body::jsonb, :pending)
            on conflict (id) do update set status = :pending, updated_at = now()
            """)
        .param("id", delivery.id())
        .param("kind", delivery.kind().wireName())
        .param("community", delivery.community())
        .param("processId", delivery.processId())
        .param("url", delivery.url())
        .param("body", Json.write(delivery.body()))
        .param("pending", DeliveryStatus.PENDING.wireName())
        .update();
  }

  @Override
  public void recordAttempt(String deliveryId, String error) {
    count(deliveryId, "failed");
    jdbc.sql(
            "update delivery set attempts = attempts + 1, last_error = ?, updated_at = now() where id = ?")
        .params(error, deliveryId)
        .update();
  }

  @Override
  public void finish(String deliveryId, boolean delivered, String lastError) {
    if (delivered) {
      count(deliveryId, "delivered");
      jdbc.sql(
              """
              update delivery set status = ?, attempts = attempts + 1, delivered_at = now(), updated_at = now()
              where id = ?
              """)
          .params(DeliveryStatus.DELIVERED.wireName(), deliveryId)
          .update();
    } else {
      meters
          .counter("metagov.delivery.dead_letters", "kind", kind(deliveryId).wireName())
          .increment();
      jdbc.sql("update delivery set status = ?, last_error = ?, updated_at = now() where id = ?")
          .params(DeliveryStatus.DEAD.wireName(), lastError, deliveryId)
          .update();
    }
  }

  private static final String SELECT =
      """
      select id, kind, community_slug, process_id, url, status, attempts, last_error, created_at::text, delivered_at::text, body::text
      from delivery""";

  public List<DeliveryView> list(String community, DeliveryStatus status, int limit) {
    return jdbc.sql(
            SELECT
                + " where community_slug = :community"
                + (status == null ? "" : " and status = :status")
                + " order by seq limit :limit")
        .param("community", community)
        .param("status", status == null ? null : status.wireName())
        .param("limit", limit)
        .query((rs, i) -> view(rs))
        .list();
  }

  /** Dead-lettered callbacks of a community, oldest first. */
  public List<DeliveryView> deadCallbacks(String community, int limit) {
    return jdbc.sql(
            SELECT + " where community_slug = ? and kind = ? and status = ? order by seq limit ?")
        .params(community, DeliveryKind.CALLBACK.wireName(), DeliveryStatus.DEAD.wireName(), limit)
        .query((rs, i) -> view(rs))
        .list();
  }

  public Optional<DeliveryView> find(String id) {
    return jdbc.sql(SELECT + " where id = ?").param(id).query((rs, i) -> view(rs)).optional();
  }

  private static DeliveryView view(java.sql.ResultSet rs) throws java.sql.SQLException {
    long processId = rs.getLong("process_id");
    // wasNull refers to the last column read, so it is asked at once.
    Long process = rs.wasNull() ? null : processId;
    return new DeliveryView(
        rs.getString("id"),
        DeliveryKind.fromWireName(rs.getString("kind")),
        rs.getString("community_slug"),
        process,
        rs.getString("url"),
        DeliveryStatus.fromWireName(rs.getString("status")),
        rs.getInt("attempts"),
        rs.getString("last_error"),
        rs.getString(9),
        rs.getString(10),
        Json.parse(rs.getString("body")));
  }
}

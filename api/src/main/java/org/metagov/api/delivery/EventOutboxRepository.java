package org.metagov.api.delivery;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Timestamp;
import java.util.List;
import org.metagov.activities.delivery.EventOutboxStore;
import org.metagov.workflows.delivery.DeliveryKind;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The queued events of each community and their wake-up flags, in the {@code delivery} and {@code
 * event_outbox} tables.
 */
@Repository
public class EventOutboxRepository implements EventOutboxStore {

  private final JdbcClient jdbc;
  private final MeterRegistry meters;

  public EventOutboxRepository(JdbcClient jdbc, MeterRegistry meters) {
    this.jdbc = jdbc;
    this.meters = meters;
  }

  /**
   * Queues one event; false when an event with this id is already known (a re-received webhook).
   */
  public boolean queue(
      String id, String community, String plugin, String url, String body, boolean enriched) {
    return jdbc.sql(
                """
            insert into delivery (id, kind, community_slug, plugin_name, url, body, status, queued_at, enriched)
            values (?, ?, ?, ?, ?, ?::jsonb, ?, now(), ?)
            on conflict (id) do nothing
            """)
            .params(
                id,
                DeliveryKind.EVENT.wireName(),
                community,
                plugin,
                url,
                body,
                DeliveryStatus.QUEUED.wireName(),
                enriched)
            .update()
        == 1;
  }

  /**
   * Raises the community's wake-up flag; true when it was down, that is when the caller must signal
   * the outbox workflow (once the transaction that queued the events has committed).
   */
  public boolean requestWake(String community) {
    return jdbc.sql(
                """
            insert into event_outbox (community_slug, wake_requested, wake_requested_at) values (?, true, now())
            on conflict (community_slug) do update set wake_requested = true, wake_requested_at = now()
            where not event_outbox.wake_requested
            """)
            .param(community)
            .update()
        == 1;
  }

  /**
   * Communities whose wake-up was requested longer ago than {@code graceSeconds} and not yet taken
   * up.
   */
  public List<String> unansweredWakes(long graceSeconds, int limit) {
    return jdbc.sql(
            """
            select community_slug from event_outbox
            where wake_requested and wake_requested_at < now() - make_interval(secs => ?)
            order by wake_requested_at limit ?
            """)
        .params(graceSeconds, limit)
        .query(String.class)
        .list();
  }

  /**
   * Marks a wake-up as sent again, so the sweeper does not repeat it before another grace period.
   */
  public void touchWake(String community) {
    jdbc.sql(
            "update event_outbox set wake_requested_at = now() where community_slug = ? and wake_requested")
        .param(community)
        .update();
  }

  /** Puts dead-lettered events back in the queue, with a fresh give-up clock; returns how many. */
  public int requeueDead(String community, String id) {
    return jdbc.sql(
            """
            update delivery set status = :queued, queued_at = now(), last_error = null, updated_at = now()
            where community_slug = :community and kind = :event and status = :dead and (cast(:id as text) is null or id = :id)
            """)
        .param("queued", DeliveryStatus.QUEUED.wireName())
        .param("event", DeliveryKind.EVENT.wireName())
        .param("dead", DeliveryStatus.DEAD.wireName())
        .param("community", community)
        .param("id", id)
        .update();
  }

  @Override
  public void clearWake(String community) {
    jdbc.sql(
            "update event_outbox set wake_requested = false where community_slug = ? and wake_requested")
        .param(community)
        .update();
  }

  @Override
  public List<QueuedEvent> queued(String community, int limit) {
    return jdbc.sql(
            """
            select id, community_slug, plugin_name, url, body::text, enriched, queued_at from delivery
            where community_slug = ? and status = ? order by seq limit ?
            """)
        .params(community, DeliveryStatus.QUEUED.wireName(), limit)
        .query(
            (rs, i) ->
                new QueuedEvent(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getBoolean(6),
                    instant(rs.getTimestamp(7))))
        .list();
  }

  @Override
  public void saveEnriched(String id, String body) {
    jdbc.sql(
            "update delivery set body = ?::jsonb, enriched = true, updated_at = now() where id = ?")
        .params(body, id)
        .update();
  }

  @Override
  public void delivered(String id) {
    meters
        .counter(
            "metagov.delivery.attempts",
            "kind",
            DeliveryKind.EVENT.wireName(),
            "outcome",
            "delivered")
        .increment();
    jdbc.sql(
            """
            update delivery set status = ?, attempts = attempts + 1, delivered_at = now(), updated_at = now()
            where id = ?
            """)
        .params(DeliveryStatus.DELIVERED.wireName(), id)
        .update();
  }

  @Override
  public int failedAttempt(String id, String error) {
    meters
        .counter(
            "metagov.delivery.attempts", "kind", DeliveryKind.EVENT.wireName(), "outcome", "failed")
        .increment();
    return jdbc.sql(
            "update delivery set attempts = attempts + 1, last_error = ?, updated_at = now() where id = ? returning attempts")
        .params(error, id)
        .query(Integer.class)
        .optional()
        .orElse(1);
  }

  @Override
  public void deadLetter(String id, String error) {
    meters
        .counter("metagov.delivery.dead_letters", "kind", DeliveryKind.EVENT.wireName())
        .increment();
    jdbc.sql("update delivery set status = ?, last_error = ?, updated_at = now() where id = ?")
        .params(DeliveryStatus.DEAD.wireName(), error, id)
        .update();
  }

  @Override
  public void discard(String id, String reason) {
    jdbc.sql("update delivery set status = ?, last_error = ?, updated_at = now() where id = ?")
        .params(DeliveryStatus.DISCARDED.wireName(), reason, id)
        .update();
  }

  private static java.time.Instant instant(Timestamp timestamp) {
    return timestamp == null ? java.time.Instant.EPOCH : timestamp.toInstant();
  }
}

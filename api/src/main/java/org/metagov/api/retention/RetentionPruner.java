package org.metagov.api.retention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.metagov.api.delivery.DeliveryStatus;
import org.metagov.workflows.process.ProcessStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes what has outlived its retention: webhook receipts (so a platform's replay is recognised
 * for the retention period, not forever), ended processes with their routes, and finished
 * deliveries. Queued and pending deliveries, and open processes, are never touched. Deletes go in
 * small batches so no statement holds locks for long; every replica may run it.
 */
@Component
public class RetentionPruner {

  private static final Logger log = LoggerFactory.getLogger(RetentionPruner.class);

  static final int BATCH = 5_000;

  private final JdbcClient jdbc;
  private final RetentionProperties retention;

  public RetentionPruner(JdbcClient jdbc, RetentionProperties retention) {
    this.jdbc = jdbc;
    this.retention = retention;
  }

  @Scheduled(
      fixedDelayString = "${metagov.retention.interval:1h}",
      initialDelayString = "${metagov.retention.interval:1h}")
  public void scheduled() {
    try {
      Map<String, Integer> pruned = prune();
      if (pruned.values().stream().anyMatch(n -> n > 0)) {
        log.info("Pruned records past their retention: {}", pruned);
      }
    } catch (RuntimeException e) {
      log.warn("Could not prune old records; will try again: {}", e.toString());
    }
  }

  /** Prunes now; returns how many rows of each kind were deleted. */
  public Map<String, Integer> prune() {
    long finished = retention.finished().toSeconds();
    long dead = retention.deadLetters().toSeconds();
    Map<String, Integer> pruned = new LinkedHashMap<>();
    Map<String, Object> endedProcesses =
        Map.of("ended", ProcessStatus.endedWireNames(), "seconds", finished);
    pruned.put(
        "webhook_receipts",
        deleteInBatches(
            "webhook_receipt",
            "received_at < now() - make_interval(secs => :seconds)",
            Map.of("seconds", finished)));
    pruned.put(
        "process_routes",
        deleteInBatches(
            "process_route",
            """
        process_id in (select id from process where status in (:ended)
                       and updated_at < now() - make_interval(secs => :seconds))""",
            endedProcesses));
    pruned.put(
        "processes",
        deleteInBatches(
            "process",
            "status in (:ended) and updated_at < now() - make_interval(secs => :seconds)",
            endedProcesses));
    pruned.put(
        "deliveries",
        deleteInBatches(
            "delivery",
            "status in (:finished) and updated_at < now() - make_interval(secs => :seconds)",
            Map.of(
                "finished",
                List.of(DeliveryStatus.DELIVERED.wireName(), DeliveryStatus.DISCARDED.wireName()),
                "seconds",
                finished)));
    pruned.put(
        "dead_letters",
        deleteInBatches(
            "delivery",
            "status = :dead and updated_at < now() - make_interval(secs => :seconds)",
            Map.of("dead", DeliveryStatus.DEAD.wireName(), "seconds", dead)));
    return pruned;
  }

  private int deleteInBatches(String table, String condition, Map<String, ?> parameters) {
    int total = 0;
    while (true) {
      int deleted =
          jdbc.sql(
                  "delete from "
                      + table
                      + " where ctid in (select ctid from "
                      + table
                      + " where "
                      + condition
                      + " limit "
                      + BATCH
                      + ")")
              .params(parameters)
              .update();
      total += deleted;
      if (deleted < BATCH) {
        return total;
      }
    }
  }
}

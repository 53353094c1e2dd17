package org.metagov.api.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The pruner deletes exactly what outlived its retention (30 days; dead letters 90) and nothing in
 * flight.
 */
class RetentionTest extends IntegrationTest {

  @Autowired JdbcClient jdbc;

  @Autowired RetentionPruner pruner;

  String community;

  void receipt(String identity, int daysAgo) {
    jdbc.sql(
            "insert into webhook_receipt (identity, community_slug, plugin_name, received_at) values (?, ?, 'discourse', now() - make_interval(days => ?))")
        .params(identity, community, daysAgo)
        .update();
  }

  void delivery(String id, String status, int daysAgo) {
    jdbc.sql(
            """
            insert into delivery (id, kind, community_slug, url, body, status, created_at, updated_at)
            values (?, 'event', ?, 'http://127.0.0.1:9/events', '{}', ?, now() - make_interval(days => ?), now() - make_interval(days => ?))
            """)
        .params(id, community, status, daysAgo, daysAgo)
        .update();
  }

  long process(String status, int daysAgo) {
    long id =
        jdbc.sql(
                """
            insert into process (community_slug, plugin_name, process_name, status, record, workflow_id, updated_at)
            values (?, 'randomness', 'delayed-stochastic-vote', ?, '{}', 'process/x', now() - make_interval(days => ?)) returning id
            """)
            .params(community, status, daysAgo)
            .query(Long.class)
            .single();
    jdbc.sql(
            "insert into process_route (community_slug, plugin_name, routing_key, process_id) values (?, 'randomness', ?, ?)")
        .params(community, "key:" + id, id)
        .update();
    return id;
  }

  List<String> remaining(String sql) {
    return jdbc.sql(sql).param(community).query(String.class).list();
  }

  @Test
  void prunesFinishedRecordsPastTheirRetentionAndKeepsEverythingInFlight() {
    community = uniqueSlug("retention");
    putCommunity(community, "[]");
    receipt("old-receipt-" + community, 31);
    receipt("new-receipt-" + community, 29);
    delivery(community + "-delivered-old", "delivered", 31);
    delivery(community + "-delivered-new", "delivered", 29);
    delivery(community + "-discarded-old", "discarded", 31);
    delivery(community + "-dead-40", "dead", 40);
    delivery(community + "-dead-91", "dead", 91);
    delivery(community + "-queued-old", "queued", 100);
    delivery(community + "-pending-old", "pending", 100);
    process("completed", 31);
    process("failed", 31);
    long endedNew = process("completed", 29);
    long openOld = process("pending", 100);
    long createdOld = process("created", 100);

    pruner.prune();

    assertThat(remaining("select identity from webhook_receipt where community_slug = ?"))
        .containsExactly("new-receipt-" + community);
    assertThat(remaining("select id from delivery where community_slug = ? order by id"))
        .containsExactlyInAnyOrder(
            community + "-delivered-new",
            community + "-dead-40",
            community + "-queued-old",
            community + "-pending-old");
    assertThat(remaining("select id::text from process where community_slug = ?"))
        .containsExactlyInAnyOrder(
            Long.toString(endedNew), Long.toString(openOld), Long.toString(createdOld));
    assertThat(remaining("select process_id::text from process_route where community_slug = ?"))
        .containsExactlyInAnyOrder(
            Long.toString(endedNew), Long.toString(openOld), Long.toString(createdOld));
  }
}

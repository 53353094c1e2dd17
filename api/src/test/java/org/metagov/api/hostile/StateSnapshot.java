package org.metagov.api.hostile;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Everything a hostile request could have changed: for each table, its row count and a checksum of
 * its rows, and the number of requests each fake platform has received. Rows of communities that
 * existed before the suite started are left out (other test classes' background workflows may still
 * be touching them); anything this suite's requests could create or change is in.
 */
record StateSnapshot(Map<String, Table> tables, Map<String, Integer> journals) {

  static final List<String> TABLES =
      List.of(
          "community",
          "community_plugin",
          "process",
          "process_route",
          "webhook_receipt",
          "delivery");

  record Table(long rows, String checksum) {}

  static StateSnapshot take(
      JdbcClient jdbc, Set<String> foreignCommunities, Map<String, WireMockServer> fakes) {
    String[] foreign = foreignCommunities.toArray(String[]::new);
    Map<String, Table> tables = new LinkedHashMap<>();
    for (String table : TABLES) {
      String column = "community".equals(table) ? "slug" : "community_slug";
      tables.put(
          table,
          jdbc.sql(
                  "select count(*) as n, coalesce(md5(string_agg(md5(t::text), ',' order by md5(t::text))), '') as sum"
                      + " from "
                      + table
                      + " t where not (t."
                      + column
                      + " = any (?))")
              .param(foreign)
              .query((rs, i) -> new Table(rs.getLong("n"), rs.getString("sum")))
              .single());
    }
    Map<String, Integer> journals = new LinkedHashMap<>();
    fakes.forEach((name, server) -> journals.put(name, server.getAllServeEvents().size()));
    return new StateSnapshot(tables, journals);
  }

  /** The differences from an earlier snapshot, as sentences; empty when nothing changed. */
  List<String> differencesFrom(StateSnapshot before) {
    List<String> differences = new ArrayList<>();
    tables.forEach(
        (table, after) -> {
          Table was = before.tables.get(table);
          if (!after.equals(was)) {
            differences.add(
                table
                    + ": "
                    + was.rows()
                    + " -> "
                    + after.rows()
                    + " rows"
                    + (was.rows() == after.rows() ? " (content changed)" : ""));
          }
        });
    journals.forEach(
        (fake, after) -> {
          int was = before.journals.get(fake);
          if (after != was) {
            differences.add("fake " + fake + " received " + (after - was) + " request(s)");
          }
        });
    return differences;
  }
}

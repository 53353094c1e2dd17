package org.metagov.api.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.sql.DataSource;

/**
 * PostgreSQL's own counters (committed transactions; rows inserted, updated, deleted and scans
 * started per table), so the benchmark can say what one process start costs the database. The
 * counters are flushed by the server about once a second, so a caller waits a little before the
 * second snapshot.
 */
record DatabaseActivity(long transactions, Map<String, long[]> tables) {

  static DatabaseActivity snapshot(DataSource dataSource) throws SQLException {
    try (Connection connection = dataSource.getConnection();
        Statement statement = connection.createStatement()) {
      long transactions;
      try (ResultSet rows =
          statement.executeQuery(
              "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
        rows.next();
        transactions = rows.getLong(1);
      }
      Map<String, long[]> tables = new TreeMap<>();
      try (ResultSet rows =
          statement.executeQuery(
              "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del, "
                  + "coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables")) {
        while (rows.next()) {
          tables.put(
              rows.getString(1),
              new long[] {rows.getLong(2), rows.getLong(3), rows.getLong(4), rows.getLong(5)});
        }
      }
      return new DatabaseActivity(transactions, tables);
    }
  }

  /** What happened between {@code before} and this snapshot, per unit of work, as text. */
  String since(DatabaseActivity before, int units) {
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "transactions %.2f",
                (transactions - before.transactions) / (double) units));
    tables.forEach(
        (table, now) -> {
          long[] then = before.tables.getOrDefault(table, new long[4]);
          if (now[0] != then[0] || now[1] != then[1] || now[2] != then[2] || now[3] != then[3]) {
            text.append(
                String.format(
                    Locale.ROOT,
                    "; %s ins %.2f upd %.2f del %.2f scans %.2f",
                    table,
                    (now[0] - then[0]) / (double) units,
                    (now[1] - then[1]) / (double) units,
                    (now[2] - then[2]) / (double) units,
                    (now[3] - then[3]) / (double) units));
          }
        });
    return text.toString();
  }
}

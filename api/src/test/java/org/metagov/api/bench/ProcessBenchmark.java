package org.metagov.api.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The process benchmark: starts and webhooks through the Driver API, each beside a peer that does
 * the same work with the bare Temporal SDK (a worker of its own running it) on the same server in
 * the same run, and, with {@code -Dmetagov.bench.scale=N}, the scale run ({@link ScaleRun}). The
 * starts are compared a second time with a {@link FloorStart} in the API's place, which says how
 * much of the API's price any start over this HTTP stack with a durable record would pay. It prints
 * one table of figures; it asserts only that the work was done. Run it with {@code mvn -B -pl api
 * -am test -Dtest=ProcessBenchmark -Dmetagov.bench=true -Dsurefire.failIfNoSpecifiedTests=false}
 * (add {@code -Dmetagov.bench.scale=10000} for the scale run; without a number it opens 2,000).
 */
@EnabledIfSystemProperty(named = "metagov.bench", matches = "true")
// The peers call the fake forum without a rate limiter, so the API's Discourse bucket is opened
// wide: a wait for a token (0.9 a second by default, Discourse's own limit) is policy, not
// overhead.
@TestPropertySource(
    properties = {
      "metagov.platform.rate-limit.plugins.discourse.per-second=100000",
      "metagov.platform.rate-limit.plugins.discourse.burst=100000"
    })
@Import(ProcessBenchmark.FloorStart.class)
class ProcessBenchmark extends IntegrationTest {

  static final int STARTS = Integer.getInteger("metagov.bench.starts", 600);
  static final int WEBHOOKS = Integer.getInteger("metagov.bench.webhooks", 300);
  static final int CLIENT_THREADS = Integer.getInteger("metagov.bench.threads", 4);
  static final int SCALE_CLIENT_THREADS = 8;
  static final String SECRET = "bench-webhook-secret";
  static final String FLOOR_COLUMN =
      "; API column: the floor, this application's HTTP stack around one INSERT and the peer's start";

  @Autowired WorkflowClient client;

  @Autowired DataSource dataSource;

  @Test
  void benchmark() throws Exception {
    FakeForum forum = new FakeForum();
    WorkerFactory peers = BenchPeers.startWorkers(client);
    List<String[]> rows = new ArrayList<>();
    try {
      String community = uniqueSlug("bench");
      putCommunity(
          community,
          "[{\"name\": \"randomness\"}, {\"name\": \"discourse\", \"config\": {\"server_url\": \""
              + forum.url()
              + "\", \"api_key\": \"k\", \"webhook_secret\": \""
              + SECRET
              + "\"}}]");
      DatabaseActivity before = DatabaseActivity.snapshot(dataSource);
      StartComparison starts =
          StartComparison.measure(
              STARTS,
              CLIENT_THREADS,
              i -> apiStart(community),
              i -> StartComparison.startPeer(client),
              StartComparison.pendingProcesses(dataSource, community),
              BenchPeers::begun,
              ProcessBenchmark::settle);
      System.out.println(
          "database per API start (warm-up included): "
              + DatabaseActivity.snapshot(dataSource)
                  .since(
                      before,
                      STARTS + StartComparison.WARM_UP + StartComparison.SINGLE_THREAD_STARTS));
      rows.addAll(starts.rows(""));
      rows.add(httpFloor(community));
      rows.addAll(
          StartComparison.measure(
                  STARTS,
                  CLIENT_THREADS,
                  i -> FloorStart.request(port),
                  i -> StartComparison.startPeer(client),
                  BenchPeers::begun,
                  BenchPeers::begun,
                  ProcessBenchmark::settle)
              .rows(FLOOR_COLUMN));

      // API and peer webhooks alternate, so both see the machine as it is at that moment.
      List<Long> apiVisible = new ArrayList<>();
      List<Long> apiAcks = new ArrayList<>();
      List<Long> peerVisible = new ArrayList<>();
      List<Long> peerAcks = new ArrayList<>();
      for (int i = 0; i < WEBHOOKS; i++) {
        BenchHttp.Answer started =
            api(
                "POST",
                "/api/internal/process/discourse.poll",
                "{\"title\": \"Benchmark poll number " + i + "\", \"options\": [\"Yes\", \"No\"]}",
                COMMUNITY_HEADER,
                community);
        assertThat(started.status()).isEqualTo(202);
        String location = started.location();
        long postId = awaitPending(location);
        forum.votes.put(postId, 1L);
        String body =
            "{\"post\": {\"id\": "
                + postId
                + ", \"topic_id\": "
                + postId
                + ", \"post_number\": 1, \"raw\": \"vote\"}}";
        long sent = System.nanoTime();
        BenchHttp.Answer hook =
            api(
                "POST",
                "/api/hooks/" + community + "/discourse",
                body,
                "X-Discourse-Event-Id",
                Integer.toString(i + 1),
                "X-Discourse-Event",
                "post_edited",
                "X-Discourse-Event-Type",
                "post",
                "X-Discourse-Event-Signature",
                "sha256=" + hmac(SECRET, body));
        assertThat(hook.status()).as(hook.body()).isEqualTo(200);
        apiAcks.add(System.nanoTime() - sent);
        awaitUntil(
            () ->
                api("GET", location, null)
                        .json()
                        .path("outcome")
                        .path("votes")
                        .path("Yes")
                        .asLong(0)
                    == 1);
        apiVisible.add(System.nanoTime() - sent);
        peerWebhook(forum, i, peerAcks, peerVisible);
      }
      rows.add(
          pair(
              "webhook → visible p50 / p99 (API: GET; peer: signal → activity → query)",
              new Latencies(apiVisible, 0),
              new Latencies(peerVisible, 0)));
      rows.add(
          pair(
              "webhook acknowledged p50 / p99 (peer: signal accepted)",
              new Latencies(apiAcks, 0),
              new Latencies(peerAcks, 0)));

      String scale = System.getProperty("metagov.bench.scale");
      if (scale != null) {
        int open = scale.matches("\\d+") ? Integer.parseInt(scale) : 2_000;
        ScaleRun.Result result =
            new ScaleRun(open, SCALE_CLIENT_THREADS, Math.max(500, WEBHOOKS), forum, SECRET)
                .run(Path.of("target", "bench"));
        rows.addAll(scaleRows(result));
      }
    } finally {
      peers.shutdownNow();
      forum.stop();
      printTable(rows);
    }
  }

  private void apiStart(String community) {
    BenchHttp.Answer started =
        api(
            "POST",
            "/api/internal/process/randomness.delayed-stochastic-vote",
            "{\"options\": [\"a\", \"b\"], \"delay\": " + StartComparison.DELAY_SECONDS + "}",
            COMMUNITY_HEADER,
            community);
    assertThat(started.status()).as(started.body()).isEqualTo(202);
  }

  /**
   * The floor of any start through this application: the same HTTP stack as the API's (Tomcat, the
   * application's filters, Spring MVC, Jackson), one INSERT of the request into PostgreSQL, and the
   * start peer's own start. No design that keeps a durable record of what it accepted and answers
   * over this stack can cost less per start; the API's price above it is its own work (validation,
   * the process row and its projection, encryption, the larger workflow). Registered only in the
   * benchmark's context.
   */
  @RestController
  static class FloorStart {

    static final String PATH = "/bench/floor-start";

    private final JdbcClient jdbc;
    private final WorkflowClient client;
    private volatile boolean tableMade;

    FloorStart(DataSource dataSource, WorkflowClient client) {
      this.jdbc = JdbcClient.create(dataSource);
      this.client = client;
    }

    @PostMapping(path = PATH, consumes = JSON, produces = JSON)
    ResponseEntity<Map<String, Long>> start(@RequestBody JsonNode body) {
      // Made on first use, once Flyway has migrated the schema (it refuses a schema it did not
      // make).
      if (!tableMade) {
        synchronized (this) {
          jdbc.sql(
                  "create table if not exists bench_floor (id bigserial primary key, body json not null)")
              .update();
          tableMade = true;
        }
      }
      long id =
          jdbc.sql("insert into bench_floor (body) values (?::json) returning id")
              .param(body.toString())
              .query(Long.class)
              .single();
      StartComparison.startPeer(client);
      return ResponseEntity.accepted().body(Map.of("id", id));
    }

    /** One floor start on the application at {@code port}, with the same body as an API start. */
    static void request(int port) throws IOException {
      BenchHttp.Answer started =
          BenchHttp.send(
              port,
              "POST",
              PATH,
              "{\"options\": [\"a\", \"b\"], \"delay\": " + StartComparison.DELAY_SECONDS + "}",
              Duration.ofSeconds(30));
      if (started.status() != 202) {
        throw new AssertionError(
            "floor start answered " + started.status() + ": " + started.body());
      }
    }
  }

  /** A request to the API with the benchmark's client ({@link BenchHttp}). */
  private BenchHttp.Answer api(String method, String path, String json, String... headers) {
    try {
      return BenchHttp.send(port, method, path, json, Duration.ofSeconds(30), headers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The round trip of a request the API answers at once (a 404 problem for a process that does not
   * exist), with the benchmark's client and with {@code java.net.http.HttpClient}: the HTTP share
   * of every API figure, which the peers do not pay.
   */
  private String[] httpFloor(String community) throws Exception {
    String path = "/api/internal/process/randomness.delayed-stochastic-vote/999999999";
    Latencies.Step lean =
        i ->
            assertThat(api("GET", path, null, COMMUNITY_HEADER, community).status()).isEqualTo(404);
    Latencies.Step jdk =
        i ->
            assertThat(send("GET", path, null, COMMUNITY_HEADER, community).status())
                .isEqualTo(404);
    Latencies.concurrently(StartComparison.WARM_UP, 1, lean);
    Latencies.concurrently(StartComparison.WARM_UP, 1, jdk);
    Latencies leanFloor = Latencies.concurrently(StartComparison.SINGLE_THREAD_STARTS * 2, 1, lean);
    Latencies jdkFloor = Latencies.concurrently(StartComparison.SINGLE_THREAD_STARTS * 2, 1, jdk);
    return new String[] {
      "HTTP round trip of an answer the API gives at once (a 404 problem), p50 / p99, 1 thread:"
          + " the benchmark's client (java.net.http.HttpClient)",
      String.format(
          Locale.ROOT,
          "%.1f / %.1f ms (%.1f / %.1f ms)",
          leanFloor.p(50),
          leanFloor.p(99),
          jdkFloor.p(50),
          jdkFloor.p(99)),
      "—",
      "—"
    };
  }

  /** The peer's webhook: a signal says the forum changed; timed until the query shows it. */
  private void peerWebhook(FakeForum forum, int i, List<Long> acks, List<Long> visible)
      throws InterruptedException {
    long postId = forum.ids.incrementAndGet();
    forum.votes.put(postId, 0L);
    BenchPeers.TallyPeer peer =
        client.newWorkflowStub(
            BenchPeers.TallyPeer.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId("bench-tally-" + System.nanoTime() + "-" + i)
                .setTaskQueue(BenchPeers.TALLY_QUEUE)
                .build());
    WorkflowClient.start(peer::run, forum.url(), postId);
    awaitUntil(() -> peer.yes() == 0);
    forum.votes.put(postId, 1L);
    long sent = System.nanoTime();
    peer.changed();
    acks.add(System.nanoTime() - sent);
    awaitUntil(() -> peer.yes() == 1);
    visible.add(System.nanoTime() - sent);
  }

  /**
   * Lets the workflows of the starts just made do their work (and PostgreSQL's counters, which it
   * flushes about once a second, catch up).
   */
  private static void settle() {
    try {
      Thread.sleep(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String[]> scaleRows(ScaleRun.Result result) {
    List<String[]> rows = new ArrayList<>(result.startsBeside().rows(", Temporal in its own JVM"));
    rows.addAll(result.floorBeside().rows(", Temporal in its own JVM" + FLOOR_COLUMN));
    String open = String.format(Locale.ROOT, "%,d", result.open());
    rows.add(
        new String[] {
          "webhook ack p99, 10 open → " + open + " open (" + SCALE_CLIENT_THREADS + " threads)",
          String.format(
              Locale.ROOT, "%.1f → %.1f ms", result.acksAtTen().p(99), result.acksAtOpen().p(99)),
          "—",
          String.format(Locale.ROOT, "%.2f", result.acksAtOpen().p(99) / result.acksAtTen().p(99))
        });
    rows.add(
        new String[] {
          "webhook ack p50, 10 open → " + open + " open",
          String.format(
              Locale.ROOT, "%.1f → %.1f ms", result.acksAtTen().p(50), result.acksAtOpen().p(50)),
          "—",
          String.format(Locale.ROOT, "%.2f", result.acksAtOpen().p(50) / result.acksAtTen().p(50))
        });
    rows.add(
        new String[] {
          "app heap after GC per open process, 1,000 → " + open + " open",
          String.format(
              Locale.ROOT,
              "%.2f KB (%.0f → %.0f MB)",
              result.heapPerProcessBytes() / 1024,
              result.heapAtThousand() / 1e6,
              result.heapAtOpen() / 1e6),
          "—",
          "—"
        });
    rows.add(
        new String[] {
          open + " starts took (" + SCALE_CLIENT_THREADS + " threads)",
          String.format(
                  Locale.ROOT,
                  "%.0f s (%.0f/s), statuses %s",
                  result.starts().elapsedNanos() / 1e9,
                  result.starts().perSecond(),
                  result.startStatuses())
              .replace("{" + ScaleRun.NO_ANSWER + "=", "{no answer in 60 s=")
              .replace(" " + ScaleRun.NO_ANSWER + "=", " no answer in 60 s="),
          "—",
          "—"
        });
    rows.add(
        new String[] {
          "processes by status in PostgreSQL after the run",
          result.processStatuses().toString(),
          "—",
          "—"
        });
    rows.add(
        new String[] {
          "start latency p50 / p99 / max at scale",
          String.format(
              Locale.ROOT,
              "%.0f / %.0f / %.0f ms",
              result.starts().p(50),
              result.starts().p(99),
              result.starts().maxMillis()),
          "—",
          "—"
        });
    rows.add(
        new String[] {
          "connection pool: size, most threads waiting for a connection",
          result.poolSize() + ", " + result.maxAwaitingConnection(),
          "—",
          "—"
        });
    if (result.firstRefusal() != null) {
      rows.add(
          new String[] {
            "first refused start at scale",
            result.firstRefusal().replace('|', '/').replace('\n', ' '),
            "—",
            "—"
          });
    }
    rows.add(
        new String[] {
          "/actuator/health during the run: failed / polls, slowest",
          String.format(
              Locale.ROOT,
              "%d / %d, %.0f ms",
              result.healthFailures(),
              result.healthPolls(),
              result.healthMaxMillis()),
          "—",
          "—"
        });
    return rows;
  }

  static String[] row(String figure, String format, double api, double peer) {
    return new String[] {
      figure,
      String.format(Locale.ROOT, format, api),
      String.format(Locale.ROOT, format, peer),
      String.format(Locale.ROOT, "%.2f", api / peer)
    };
  }

  static String[] pair(String figure, Latencies api, Latencies peer) {
    return new String[] {
      figure,
      String.format(Locale.ROOT, "%.1f / %.1f ms", api.p(50), api.p(99)),
      String.format(Locale.ROOT, "%.1f / %.1f ms", peer.p(50), peer.p(99)),
      String.format(Locale.ROOT, "%.2f / %.2f", api.p(50) / peer.p(50), api.p(99) / peer.p(99))
    };
  }

  private static void printTable(List<String[]> rows) {
    StringBuilder table =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%nBENCHMARK (%d cores, Java %s; starts and webhooks: in-process Temporal test server and embedded PostgreSQL,"
                    + " %d client threads; scale: Temporal test server in its own JVM)%n",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"),
                CLIENT_THREADS));
    table.append(
        "| figure | API | peer on the same server, same run | ratio |\n|---|---|---|---|\n");
    for (String[] row : rows) {
      table.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    System.out.print(table);
    System.out.flush();
  }

  private long awaitPending(String location) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var record = api("GET", location, null).json();
      if ("pending".equals(record.path("status").asString())) {
        String url = record.path("url").asString();
        return Long.parseLong(url.substring(url.lastIndexOf("/t/x/") + 5, url.lastIndexOf('/')));
      }
      Thread.sleep(5);
    }
    throw new AssertionError("process did not become pending: " + location);
  }

  private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(2);
    }
  }

  static String hmac(String secret, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }
}

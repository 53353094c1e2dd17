package org.metagov.api.bench;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.metagov.api.MetagovApplication;
import org.metagov.api.crash.ChildJvm;
import org.metagov.api.crash.LoopbackTemporalTestServer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * The scale run: Temporal's test server in its own JVM (its state is not in this JVM's heap), a
 * second instance of the application in this JVM with its own embedded PostgreSQL, and N Discourse
 * polls opened through the Driver API, each waiting on its closing timer with its webhook route. It
 * measures the webhook acknowledgement at 10 open and at N open, this JVM's heap after GC at 1,000
 * and at N open, how the starts went under connection-pool pressure, and whether {@code
 * /actuator/health} answered all along.
 */
final class ScaleRun {

  /**
   * What the scale run measured. Heap figures are bytes of this JVM's used heap after full
   * collections.
   */
  record Result(
      StartComparison startsBeside,
      StartComparison floorBeside,
      int open,
      Latencies starts,
      Map<Integer, Integer> startStatuses,
      Latencies acksAtTen,
      Latencies acksAtOpen,
      long heapAtThousand,
      long heapAtOpen,
      int healthPolls,
      int healthFailures,
      double healthMaxMillis,
      int poolSize,
      int maxAwaitingConnection,
      String firstRefusal,
      Map<String, Long> processStatuses) {

    double heapPerProcessBytes() {
      return (heapAtOpen - heapAtThousand) / (double) (open - 1_000);
    }
  }

  /** The status counted for a start that got no answer within the request timeout (60 s). */
  static final int NO_ANSWER = 0;

  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final int open;
  private final int threads;
  private final int webhooks;
  private final FakeForum forum;
  private final String secret;
  private int port;
  private int managementPort;
  private final String community = "scale-" + Long.toString(System.nanoTime() & 0xffffff, 36);
  private final AtomicLong eventIds = new AtomicLong();
  private final AtomicReference<String> firstRefusal = new AtomicReference<>();

  ScaleRun(int open, int threads, int webhooks, FakeForum forum, String secret) {
    if (open < 2_000) {
      throw new IllegalArgumentException(
          "the scale run needs at least 2,000 open processes, got " + open);
    }
    this.open = open;
    this.threads = threads;
    this.webhooks = webhooks;
    this.forum = forum;
    this.secret = secret;
  }

  Result run(Path workDir) throws Exception {
    Files.createDirectories(workDir);
    int temporalPort = ChildJvm.freePort();
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ChildJvm temporal =
        new ChildJvm(
            "scale-temporal",
            List.of(
                "-Xmx" + System.getProperty("metagov.bench.temporal-heap", "6g"),
                "-cp",
                classpath,
                LoopbackTemporalTestServer.class.getName(),
                Integer.toString(temporalPort)),
            Map.of(),
            workDir);
    ConfigurableApplicationContext app = null;
    HealthPoller health = null;
    try {
      temporal.start();
      awaitPort(temporal, temporalPort);
      app = startApplication(temporalPort);
      port = Integer.parseInt(app.getEnvironment().getProperty("local.server.port"));
      managementPort = Integer.parseInt(app.getEnvironment().getProperty("local.management.port"));
      HikariPoolMXBean pool = app.getBean(HikariDataSource.class).getHikariPoolMXBean();
      health = new HealthPoller(pool);
      health.start();
      put(
          "/api/internal/community/" + community,
          "{\"name\": \""
              + community
              + "\", \"readable_name\": \"Scale\", "
              + "\"plugins\": [{\"name\": \"randomness\"}, "
              + "{\"name\": \"discourse\", \"config\": {\"server_url\": \""
              + forum.url()
              + "\", \"api_key\": \"k\", \"webhook_secret\": \""
              + secret
              + "\"}}]}");

      // The start comparison of ProcessBenchmark again, with Temporal's server in its own JVM.
      WorkflowClient client = app.getBean(WorkflowClient.class);
      WorkerFactory peers = BenchPeers.startWorkers(client);
      StartComparison startsBeside;
      StartComparison floorBeside;
      try {
        startsBeside =
            StartComparison.measure(
                ProcessBenchmark.STARTS,
                ProcessBenchmark.CLIENT_THREADS,
                i -> startRandomnessVote(),
                i -> StartComparison.startPeer(client),
                StartComparison.pendingProcesses(app.getBean(DataSource.class), community),
                BenchPeers::begun,
                () -> sleep(Duration.ofSeconds(2)));
        floorBeside =
            StartComparison.measure(
                ProcessBenchmark.STARTS,
                ProcessBenchmark.CLIENT_THREADS,
                i -> ProcessBenchmark.FloorStart.request(port),
                i -> StartComparison.startPeer(client),
                BenchPeers::begun,
                BenchPeers::begun,
                () -> sleep(Duration.ofSeconds(2)));
      } finally {
        peers.shutdownNow();
      }

      ConcurrentMap<Integer, Integer> statuses = new ConcurrentHashMap<>();
      List<Long> firstPosts = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        String location = startPoll(statuses);
        if (location == null) {
          throw new AssertionError(
              "the first starts of the scale run failed: " + statuses + ", " + firstRefusal.get());
        }
        firstPosts.add(awaitPending(location));
      }
      acknowledge(firstPosts, 50); // warm the webhook path of this instance
      Latencies acksAtTen = acknowledge(firstPosts, webhooks);
      System.out.printf(
          "scale: 10 open, webhook ack p50 %.1f ms p99 %.1f ms%n",
          acksAtTen.p(50), acksAtTen.p(99));

      long postsBefore = forum.ids.get();
      Latencies toThousand = startMany(990, statuses, health);
      long postsAfter = forum.ids.get();
      long heapAtThousand = heapAfterGc();
      System.out.printf("scale: 1000 open, heap after GC %.1f MB%n", heapAtThousand / 1e6);
      Latencies rest = startMany(open - 1_000, statuses, health);
      List<Long> all = new ArrayList<>(toThousand.nanos());
      all.addAll(rest.nanos());
      Latencies starts = new Latencies(all, toThousand.elapsedNanos() + rest.elapsedNanos());
      long heapAtOpen = heapAfterGc();
      System.out.printf(
          "scale: %d open, heap after GC %.1f MB, starts took %.0f s%n",
          open, heapAtOpen / 1e6, starts.elapsedNanos() / 1e9);

      // The acknowledgements at N open are measured once the last starts have been digested (every
      // poll created on the forum and projected), as those at 10 open were, not while the worker is
      // still catching up.
      long settleStarted = System.nanoTime();
      var jdbc =
          org.springframework.jdbc.core.simple.JdbcClient.create(
              app.getBean(HikariDataSource.class));
      while (jdbc.sql("select count(*) from process where status = 'created'")
                  .query(Long.class)
                  .single()
              > 0
          && System.nanoTime() - settleStarted < java.time.Duration.ofMinutes(5).toNanos()) {
        Thread.sleep(500);
      }
      Thread.sleep(2_000);
      System.out.printf(
          "scale: the worker caught up with the starts %.1f s after the last one%n",
          (System.nanoTime() - settleStarted) / 1e9);

      // Posts of the processes opened on the way to 1,000: their routes were registered long ago.
      Random random = new Random(13);
      List<Long> sample = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        sample.add(postsBefore + 1 + (long) random.nextInt((int) (postsAfter - postsBefore)));
      }
      Latencies acksAtOpen = acknowledge(sample, webhooks);
      health.stop();
      // A process whose workflow failed shows here as failed; every one should still be open.
      Map<String, Long> processStatuses = new java.util.TreeMap<>();
      jdbc.sql("select status, count(*) from process group by status")
          .query((rs, i) -> processStatuses.put(rs.getString(1), rs.getLong(2)))
          .list();
      return new Result(
          startsBeside,
          floorBeside,
          open,
          starts,
          Map.copyOf(statuses),
          acksAtTen,
          acksAtOpen,
          heapAtThousand,
          heapAtOpen,
          health.polls.get(),
          health.failures.get(),
          health.maxNanos.get() / 1e6,
          pool.getTotalConnections(),
          health.maxAwaiting.get(),
          firstRefusal.get(),
          processStatuses);
    } finally {
      if (health != null) {
        health.stop();
      }
      if (app != null) {
        app.close();
      }
      temporal.killQuietly();
    }
  }

  private ConfigurableApplicationContext startApplication(int temporalPort) {
    byte[] key = new byte[32];
    new Random(7).nextBytes(key);
    // Command-line arguments, so they win over application.yml's ${PORT:8000} and the like.
    return new SpringApplicationBuilder(MetagovApplication.class, ProcessBenchmark.FloorStart.class)
        .run(
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--management.server.port=0",
            "--management.server.address=127.0.0.1",
            "--metagov.temporal.address=127.0.0.1:" + temporalPort,
            "--metagov.secrets.key=" + Base64.getEncoder().encodeToString(key),
            "--metagov.delivery.deny-private-networks=false",
            // The scale run measures starts and webhooks; re-reading N polls on a short interval is
            // the rate
            // limiter's subject, not this run's.
            "--metagov.processes.reconcile-interval=1d",
            // As in ProcessBenchmark: the fake forum is not rate limited, and waiting for tokens
            // is policy.
            "--metagov.platform.rate-limit.plugins.discourse.per-second=100000",
            "--metagov.platform.rate-limit.plugins.discourse.burst=100000",
            "--spring.main.banner-mode=off");
  }

  private void startRandomnessVote() throws Exception {
    BenchHttp.Answer response =
        api(
            "POST",
            "/api/internal/process/randomness.delayed-stochastic-vote",
            "{\"options\": [\"a\", \"b\"], \"delay\": " + StartComparison.DELAY_SECONDS + "}",
            "X-Metagov-Community",
            community);
    if (response.status() != 202) {
      throw new AssertionError("start answered " + response.status() + ": " + response.body());
    }
  }

  /** A request to the application with the benchmark's client, answered within 60 s. */
  private BenchHttp.Answer api(String method, String path, String json, String... headers)
      throws IOException {
    return BenchHttp.send(port, method, path, json, Duration.ofSeconds(60), headers);
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Starts one poll (closing in 30 days: a timer) and returns its location, or null when it was
   * refused or not answered within the request timeout (counted under {@link #NO_ANSWER}).
   */
  private String startPoll(ConcurrentMap<Integer, Integer> statuses) throws Exception {
    String closing =
        Instant.now().plus(30, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS).toString();
    BenchHttp.Answer response;
    try {
      response =
          api(
              "POST",
              "/api/internal/process/discourse.poll",
              "{\"title\": \"Scale benchmark poll\", \"options\": [\"Yes\", \"No\"], "
                  + "\"closing_at\": \""
                  + closing
                  + "\"}",
              "X-Metagov-Community",
              community);
    } catch (SocketTimeoutException e) {
      // Counted, not fatal: how starts behave under pressure is what the scale run reports.
      statuses.merge(NO_ANSWER, 1, Integer::sum);
      return null;
    }
    statuses.merge(response.status(), 1, Integer::sum);
    if (response.status() != 202) {
      firstRefusal.compareAndSet(null, response.status() + " " + response.body());
      return null;
    }
    return response.location();
  }

  private Latencies startMany(
      int count, ConcurrentMap<Integer, Integer> statuses, HealthPoller health) throws Exception {
    AtomicInteger done = new AtomicInteger();
    long began = System.nanoTime();
    return Latencies.concurrently(
        count,
        threads,
        i -> {
          startPoll(statuses);
          int n = done.incrementAndGet();
          if (n % 1_000 == 0) {
            System.out.printf(
                "scale: +%d starts in %.0f s, statuses %s, most threads waiting for a connection %d, "
                    + "health failures %d%n",
                n,
                (System.nanoTime() - began) / 1e9,
                statuses,
                health.maxAwaiting.get(),
                health.failures.get());
          }
        });
  }

  /**
   * Sends {@code count} signed Discourse webhooks to the given posts on the client threads; times
   * the 200s.
   */
  private Latencies acknowledge(List<Long> posts, int count) throws Exception {
    return Latencies.concurrently(
        count,
        threads,
        i -> {
          long postId = posts.get(i % posts.size());
          long eventId = eventIds.incrementAndGet();
          // Every body differs, so none is taken for a replay of an earlier one (which is cheaper).
          String body =
              "{\"post\": {\"id\": "
                  + postId
                  + ", \"topic_id\": "
                  + postId
                  + ", \"post_number\": 1, \"raw\": \"vote "
                  + eventId
                  + "\"}}";
          BenchHttp.Answer response =
              api(
                  "POST",
                  "/api/hooks/" + community + "/discourse",
                  body,
                  "X-Discourse-Event-Id",
                  Long.toString(eventId),
                  "X-Discourse-Event",
                  "post_edited",
                  "X-Discourse-Event-Type",
                  "post",
                  "X-Discourse-Event-Signature",
                  "sha256=" + ProcessBenchmark.hmac(secret, body));
          if (response.status() != 200) {
            throw new AssertionError(
                "webhook for post "
                    + postId
                    + " answered "
                    + response.status()
                    + ": "
                    + response.body());
          }
        });
  }

  /**
   * Waits until the process at {@code location} is pending and returns its post's id on the forum.
   */
  private long awaitPending(String location) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode record = api("GET", location, null).json();
      if ("pending".equals(record.path("status").asString())) {
        String url = record.path("url").asString();
        return Long.parseLong(url.substring(url.lastIndexOf("/t/x/") + 5, url.lastIndexOf('/')));
      }
      Thread.sleep(10);
    }
    throw new AssertionError("process did not become pending: " + location);
  }

  private void put(String path, String json) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() / 100 != 2) {
      throw new AssertionError(
          "PUT " + path + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60));
  }

  /** This JVM's used heap after full collections, in bytes. */
  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(300);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static void awaitPort(ChildJvm process, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        if (!process.alive() || System.nanoTime() > deadline) {
          throw new AssertionError(
              "the Temporal test server did not listen on " + port + ":\n" + process.logTail(40));
        }
        Thread.sleep(100);
      }
    }
  }

  /**
   * Polls {@code /actuator/health} on the management port twice a second and samples the connection
   * pool: a failure is anything but 200 within 10 s.
   */
  private final class HealthPoller {
    private final HikariPoolMXBean pool;
    private final Thread thread;
    private volatile boolean running = true;
    final AtomicInteger polls = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicLong maxNanos = new AtomicLong();
    final AtomicInteger maxAwaiting = new AtomicInteger();

    HealthPoller(HikariPoolMXBean pool) {
      this.pool = pool;
      this.thread = new Thread(this::poll, "scale-health-poller");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      running = false;
      thread.join(15_000);
    }

    private void poll() {
      while (running) {
        maxAwaiting.accumulateAndGet(pool.getThreadsAwaitingConnection(), Math::max);
        long sent = System.nanoTime();
        try {
          HttpResponse<String> response =
              HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + managementPort + "/actuator/health"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          if (response.statusCode() != 200) {
            failures.incrementAndGet();
          }
        } catch (IOException e) {
          failures.incrementAndGet();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        polls.incrementAndGet();
        maxNanos.accumulateAndGet(System.nanoTime() - sent, Math::max);
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}

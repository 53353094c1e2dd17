package org.metagov.api.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.metagov.api.IntegrationTest;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The process benchmark: starts and webhooks through the Driver API, each beside the bare Temporal
 * SDK doing the same on the same server in the same run. It prints figures; it asserts only that
 * the work was done. Run it with {@code mvn -B -pl api -am test -Dtest=ProcessBenchmark
 * -Dmetagov.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "metagov.bench", matches = "true")
class ProcessBenchmark extends IntegrationTest {

  static final int STARTS = 200;
  static final int WEBHOOKS = 100;
  static final int CLIENT_THREADS = Integer.getInteger("metagov.bench.threads", 4);
  static final String SECRET = "bench-webhook-secret";

  @Autowired WorkflowClient client;

  /** A workflow that counts signals: the bare SDK's signal → query-visible path. */
  @WorkflowInterface
  public interface BenchCounter {
    @WorkflowMethod
    void run();

    @SignalMethod
    void bump();

    @QueryMethod
    int count();
  }

  public static class BenchCounterImpl implements BenchCounter {
    private int count;

    @Override
    public void run() {
      Workflow.await(() -> count >= 1_000_000);
    }

    @Override
    public void bump() {
      count++;
    }

    @Override
    public int count() {
      return count;
    }
  }

  @Test
  void benchmark() throws Exception {
    FakeForum forum = new FakeForum();
    WorkerFactory benchWorkers = WorkerFactory.newInstance(client);
    benchWorkers
        .newWorker("bench-counters")
        .registerWorkflowImplementationTypes(BenchCounterImpl.class);
    benchWorkers.start();
    try {
      String community = uniqueSlug("bench");
      putCommunity(
          community,
          "[{\"name\": \"randomness\"}, {\"name\": \"discourse\", \"config\": {\"server_url\": \""
              + forum.url()
              + "\", \"api_key\": \"k\", \"webhook_secret\": \""
              + SECRET
              + "\"}}]");
      warmUp(community);

      Figures apiStarts =
          concurrently(
              STARTS,
              i -> {
                Response started =
                    send(
                        "POST",
                        "/api/internal/process/randomness.delayed-stochastic-vote",
                        "{\"options\": [\"a\", \"b\"], \"delay\": 600}",
                        COMMUNITY_HEADER,
                        community);
                assertThat(started.status()).isEqualTo(202);
              });
      Figures sdkStarts =
          concurrently(
              STARTS,
              i -> {
                WorkflowStub stub =
                    client.newUntypedWorkflowStub(
                        "BenchNoop",
                        WorkflowOptions.newBuilder()
                            .setWorkflowId("bench-noop-" + System.nanoTime() + "-" + i)
                            .setTaskQueue("bench-noop")
                            .build());
                stub.start();
              });

      List<Long> apiWebhooks = new ArrayList<>();
      List<Long> apiAcks = new ArrayList<>();
      for (int i = 0; i < WEBHOOKS; i++) {
        Response started =
            send(
                "POST",
                "/api/internal/process/discourse.poll",
                "{\"title\": \"Benchmark poll number " + i + "\", \"options\": [\"Yes\", \"No\"]}",
                COMMUNITY_HEADER,
                community);
        assertThat(started.status()).isEqualTo(202);
        String location = started.header("Location");
        long postId = awaitPending(location);
        forum.votes.put(postId, 1L);
        String body =
            "{\"post\": {\"id\": "
                + postId
                + ", \"topic_id\": "
                + postId
                + ", \"post_number\": 1, \"raw\": \"vote\"}}";
        long sent = System.nanoTime();
        Response hook =
            send(
                "POST",
                "/api/hooks/" + community + "/discourse",
                body,
                "X-Discourse-Event-Id",
                "bench-" + community + "-" + i,
                "X-Discourse-Event",
                "post_edited",
                "X-Discourse-Event-Type",
                "post",
                "X-Discourse-Event-Signature",
                "sha256=" + hmac(body));
        assertThat(hook.status()).as(hook.body()).isEqualTo(200);
        apiAcks.add(System.nanoTime() - sent);
        awaitUntil(
            () -> get(location).json().path("outcome").path("votes").path("Yes").asLong(0) == 1);
        apiWebhooks.add(System.nanoTime() - sent);
      }

      List<Long> sdkSignals = new ArrayList<>();
      for (int i = 0; i < WEBHOOKS; i++) {
        BenchCounter counter =
            client.newWorkflowStub(
                BenchCounter.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId("bench-counter-" + System.nanoTime() + "-" + i)
                    .setTaskQueue("bench-counters")
                    .build());
        WorkflowClient.start(counter::run);
        awaitUntil(() -> counter.count() == 0);
        long sent = System.nanoTime();
        counter.bump();
        awaitUntil(() -> counter.count() == 1);
        sdkSignals.add(System.nanoTime() - sent);
      }

      Figures webhooks = new Figures(apiWebhooks, 0);
      Figures acks = new Figures(apiAcks, 0);
      Figures signals = new Figures(sdkSignals, 0);
      System.out.printf(
          "%nBENCHMARK (%d cores, in-process Temporal test server and embedded PostgreSQL, %d client threads)%n",
          Runtime.getRuntime().availableProcessors(), CLIENT_THREADS);
      System.out.printf(
          "starts: API %d processes  %.1f/s  p50 %.1f ms  p99 %.1f ms | bare SDK start  %.1f/s  p50 %.1f ms  p99 %.1f ms | "
              + "ratio throughput %.2f, p50 %.2f, p99 %.2f%n",
          STARTS,
          apiStarts.perSecond(),
          apiStarts.p(50),
          apiStarts.p(99),
          sdkStarts.perSecond(),
          sdkStarts.p(50),
          sdkStarts.p(99),
          apiStarts.perSecond() / sdkStarts.perSecond(),
          apiStarts.p(50) / sdkStarts.p(50),
          apiStarts.p(99) / sdkStarts.p(99));
      System.out.printf(
          "webhook -> GET-visible: API %d signed webhooks  p50 %.1f ms  p99 %.1f ms | bare SDK signal -> query  p50 %.1f ms  "
              + "p99 %.1f ms | ratio p50 %.2f, p99 %.2f%n",
          WEBHOOKS,
          webhooks.p(50),
          webhooks.p(99),
          signals.p(50),
          signals.p(99),
          webhooks.p(50) / signals.p(50),
          webhooks.p(99) / signals.p(99));
      System.out.printf(
          "webhook acknowledged (signal accepted by Temporal): p50 %.1f ms  p99 %.1f ms%n",
          acks.p(50), acks.p(99));
    } finally {
      benchWorkers.shutdownNow();
      forum.stop();
    }
  }

  private void warmUp(String community) throws Exception {
    concurrently(
        20,
        i ->
            send(
                "POST",
                "/api/internal/process/randomness.delayed-stochastic-vote",
                "{\"options\": [\"a\"], \"delay\": 600}",
                COMMUNITY_HEADER,
                community));
    concurrently(
        20,
        i ->
            client
                .newUntypedWorkflowStub(
                    "BenchNoop",
                    WorkflowOptions.newBuilder()
                        .setWorkflowId("bench-warm-" + System.nanoTime() + "-" + i)
                        .setTaskQueue("bench-noop")
                        .build())
                .start());
  }

  private long awaitPending(String location) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var record = get(location).json();
      if ("pending".equals(record.path("status").asString())) {
        String url = record.path("url").asString();
        return Long.parseLong(url.substring(url.lastIndexOf("/t/x/") + 5, url.lastIndexOf('/')));
      }
      Thread.sleep(5);
    }
    throw new AssertionError("process did not become pending: " + location);
  }

  private static void awaitUntil(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within 30 s");
      }
      Thread.sleep(2);
    }
  }

  interface Step {
    void run(int i) throws Exception;
  }

  private static Figures concurrently(int count, Step step) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    long began = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      futures.add(
          pool.submit(
              () -> {
                long t = System.nanoTime();
                step.run(n);
                latencies.add(System.nanoTime() - t);
                return null;
              }));
    }
    for (Future<?> future : futures) {
      future.get();
    }
    long elapsed = System.nanoTime() - began;
    pool.shutdown();
    return new Figures(latencies, elapsed);
  }

  record Figures(List<Long> nanos, long elapsedNanos) {
    double p(int percentile) {
      List<Long> sorted = new ArrayList<>(nanos);
      Collections.sort(sorted);
      int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
      return sorted.get(Math.max(0, index)) / 1e6;
    }

    double perSecond() {
      return nanos.size() / (elapsedNanos / 1e9);
    }
  }

  private static String hmac(String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * A minimal Discourse for the benchmark (loopback only): creating a post returns a new post with
   * a regular poll, and reading a post shows the votes the benchmark set for it.
   */
  static final class FakeForum {
    final HttpServer server;
    final Map<Long, Long> votes = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong(1000);

    FakeForum() throws IOException {
      // Without TCP_NODELAY the JDK server's separate header and body writes meet delayed ACKs: +40
      // ms a call.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
      server.setExecutor(Executors.newFixedThreadPool(4));
      server.createContext(
          "/",
          exchange -> {
            String path = exchange.getRequestURI().getPath();
            exchange.getRequestBody().readAllBytes();
            String json;
            if ("POST".equals(exchange.getRequestMethod()) && path.equals("/posts.json")) {
              long id = ids.incrementAndGet();
              votes.put(id, 0L);
              json = post(id);
            } else if ("GET".equals(exchange.getRequestMethod())
                && path.matches("/posts/\\d+\\.json")) {
              json = post(Long.parseLong(path.replaceAll("\\D", "")));
            } else {
              json =
                  "{\"errors\": [\"The requested URL or resource could not be found.\"], \"error_type\": \"not_found\"}";
              byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
              exchange.getResponseHeaders().add("Content-Type", "application/json");
              exchange.sendResponseHeaders(404, bytes.length);
              exchange.getResponseBody().write(bytes);
              exchange.close();
              return;
            }
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
          });
      server.start();
    }

    String post(long id) {
      long yes = votes.getOrDefault(id, 0L);
      return "{\"id\": "
          + id
          + ", \"topic_id\": "
          + id
          + ", \"topic_slug\": \"x\", \"post_number\": 1, \"raw\": \"vote\","
          + " \"polls\": [{\"id\": 7, \"name\": \"poll\", \"type\": \"regular\", \"status\": \"open\", \"public\": true,"
          + " \"results\": \"always\", \"options\": [{\"id\": \"a1\", \"html\": \"Yes\", \"votes\": "
          + yes
          + "},"
          + " {\"id\": \"b2\", \"html\": \"No\", \"votes\": 0}], \"voters\": "
          + yes
          + "}]}";
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void stop() {
      server.stop(0);
    }
  }
}

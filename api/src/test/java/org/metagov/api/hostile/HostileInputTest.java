package org.metagov.api.hostile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.metagov.activities.json.Json;
import org.metagov.api.IntegrationTest;
import org.metagov.api.hostile.HostileCases.Fixture;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The bad-input proof: a few hundred generated malformed or hostile requests across every endpoint
 * of the Driver API and the webhook receivers (see {@link HostileCases}). Each one must get exactly
 * the status DESIGN.md §4 prescribes, as an {@code application/problem+json} document with {@code
 * status}, {@code title}, {@code detail} and {@code code} when it is an error, never a 5xx, never a
 * stack trace or a Java class name, and must change nothing: the tables and the fake platforms'
 * request journals are compared before and after each request. The few legitimate successes (a
 * replayed webhook delivery, a replayed idempotent start) must change exactly what they should.
 */
class HostileInputTest extends IntegrationTest {

  /**
   * Text that would betray the implementation: stack traces, exception and class names, packages.
   */
  private static final List<String> LEAKS =
      List.of(
          "Exception",
          "\tat ",
          "at org.",
          "at java.",
          ".java:",
          "java.lang",
          "java.util",
          "jakarta.",
          "org.springframework",
          "tools.jackson",
          "com.fasterxml",
          "org.metagov",
          "org.postgresql",
          "io.temporal",
          "org.apache",
          "PSQL",
          "SQLState",
          "Caused by");

  private static final Map<String, WireMockServer> FAKES = new LinkedHashMap<>();
  private static final Map<Integer, Integer> BY_STATUS = new TreeMap<>();
  private static final AtomicInteger REQUESTS = new AtomicInteger();
  private static final AtomicInteger FIVE_XX = new AtomicInteger();
  private static final AtomicInteger CHANGED = new AtomicInteger();
  private static final AtomicInteger FAILED = new AtomicInteger();

  /**
   * Every request and its answer, written to target/hostile-report.txt for reading the problem
   * documents.
   */
  private static final StringBuilder REPORT = new StringBuilder();

  @Autowired private JdbcClient jdbc;

  private Set<String> foreignCommunities;
  private StateSnapshot lastAfter;

  @AfterAll
  static void stopFakes() {
    FAKES.values().forEach(WireMockServer::stop);
  }

  @TestFactory
  Stream<DynamicTest> hostileRequests() {
    Fixture fixture = setUp();
    List<HostileCase> cases = HostileCases.all(fixture);
    assertThat(cases).hasSizeGreaterThanOrEqualTo(200);
    List<DynamicTest> tests = new ArrayList<>();
    for (int i = 0; i < cases.size(); i++) {
      HostileCase hostile = cases.get(i);
      tests.add(
          dynamicTest(String.format("%03d %s", i + 1, hostile.display()), () -> run(hostile)));
    }
    tests.add(dynamicTest("summary", this::summary));
    return tests.stream();
  }

  // --- fixtures
  // --------------------------------------------------------------------------------------

  private Fixture setUp() {
    foreignCommunities =
        new HashSet<>(jdbc.sql("select slug from community").query(String.class).list());
    WireMockServer sourcecred = fake("sourcecred");
    WireMockServer discourse = fake("discourse");
    WireMockServer loomio = fake("loomio");
    String community = uniqueSlug("hostile");
    String bare = uniqueSlug("hostile-bare");
    String vote = "{\"options\": [\"yes\", \"no\"], \"delay\": 525600}";
    String key = "hostile-key-" + community;
    Fixture draft =
        new Fixture(
            community,
            bare,
            0,
            key,
            vote,
            0,
            sourcecred.baseUrl(),
            discourse.baseUrl(),
            "discourse-key-hostile",
            "discourse-secret-hostile",
            loomio.baseUrl(),
            "loomio-key-hostile",
            "loomioHookSlug-" + Long.toString(System.nanoTime(), 36));
    putCommunity(community, draft.pluginsJson());
    putCommunity(bare, "[{\"name\": \"randomness\", \"config\": {}}]");

    // A vote started with an Idempotency-Key and closed early (it has ended), and one left open.
    Response ended =
        send(
            "POST",
            HostileCases.PROCESS + HostileCases.VOTE,
            vote,
            COMMUNITY_HEADER,
            community,
            "Idempotency-Key",
            key);
    assertThat(ended.status()).as(ended.body()).isEqualTo(202);
    long endedId = ended.json().path("id").asLong();
    awaitStatus(community, endedId, "pending");
    Response closed =
        send(
            "DELETE",
            HostileCases.PROCESS + HostileCases.VOTE + "/" + endedId,
            null,
            COMMUNITY_HEADER,
            community);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    awaitStatus(community, endedId, "completed");
    Response open =
        send("POST", HostileCases.PROCESS + HostileCases.VOTE, vote, COMMUNITY_HEADER, community);
    assertThat(open.status()).as(open.body()).isEqualTo(202);
    long openId = open.json().path("id").asLong();
    awaitStatus(community, openId, "pending");

    // Start from a quiet state: two equal snapshots half a second apart.
    await("state settles")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              StateSnapshot before = snapshot();
              Thread.sleep(300);
              return snapshot().differencesFrom(before).isEmpty();
            });
    return new Fixture(
        community,
        bare,
        endedId,
        key,
        vote,
        openId,
        draft.sourcecredUrl(),
        draft.discourseUrl(),
        draft.discourseKey(),
        draft.discourseSecret(),
        draft.loomioUrl(),
        draft.loomioKey(),
        draft.loomioSlug());
  }

  private static WireMockServer fake(String name) {
    WireMockServer server =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    server.start();
    FAKES.put(name, server);
    return server;
  }

  private void awaitStatus(String community, long id, String status) {
    String path = HostileCases.PROCESS + HostileCases.VOTE + "/" + id;
    await(path + " " + status)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Response response = send("GET", path, null, COMMUNITY_HEADER, community);
              return response.status() == 200
                  && status.equals(response.json().path("status").asString());
            });
  }

  private StateSnapshot snapshot() {
    return StateSnapshot.take(jdbc, foreignCommunities, FAKES);
  }

  // --- one case
  // --------------------------------------------------------------------------------------

  private void run(HostileCase hostile) {
    StateSnapshot before = snapshot();
    if (lastAfter != null) {
      List<String> late = before.differencesFrom(lastAfter);
      if (!late.isEmpty()) {
        CHANGED.incrementAndGet();
        throw new AssertionError(
            "the state changed after the previous request had been answered: " + late);
      }
    }
    RawHttp.Reply reply =
        RawHttp.exchange(
            port, hostile.method, hostile.target, hostile.headers, hostile.body, hostile.chunked);
    REQUESTS.incrementAndGet();
    synchronized (BY_STATUS) {
      BY_STATUS.merge(reply.status(), 1, Integer::sum);
    }
    if (reply.status() >= 500) {
      FIVE_XX.incrementAndGet();
    }
    REPORT
        .append(hostile.display())
        .append("\n  -> ")
        .append(reply.status())
        .append(' ')
        .append(reply.contentType())
        .append(' ')
        .append(abbreviate(reply.body()).replace('\n', ' '))
        .append('\n');
    StateSnapshot after = snapshot();
    lastAfter = after;
    List<String> differences = after.differencesFrom(before);
    if (hostile.changes == null
        ? !differences.isEmpty()
        : !expectedChangesOnly(hostile, before, after)) {
      CHANGED.incrementAndGet();
    }
    try {
      assertThat(reply.status())
          .as("a 5xx for %s: %s", hostile.display(), abbreviate(reply.body()))
          .isLessThan(500);
      assertThat(reply.status())
          .as("status for %s: %s", hostile.display(), abbreviate(reply.body()))
          .isEqualTo(hostile.status);
      for (String leak : LEAKS) {
        assertThat(reply.body()).as("the body leaks %s", leak).doesNotContain(leak);
      }
      if (reply.status() >= 400) {
        assertProblem(hostile, reply);
      }
      hostile.check.accept(reply);
      assertChanges(hostile, before, after, differences);
    } catch (AssertionError e) {
      FAILED.incrementAndGet();
      throw e;
    }
  }

  private static void assertProblem(HostileCase hostile, RawHttp.Reply reply) {
    assertThat(reply.contentType())
        .as("content type of %s", abbreviate(reply.body()))
        .startsWith(PROBLEM_JSON);
    JsonNode problem = Json.parse(reply.body());
    assertThat(problem.path("status").asInt()).as("status field").isEqualTo(reply.status());
    assertThat(problem.path("title").asString("")).as("title").isNotBlank();
    assertThat(problem.path("detail").asString("")).as("detail").isNotBlank();
    String code = problem.path("code").asString("");
    assertThat(code).as("code").isNotBlank();
    if (!hostile.codes.isEmpty()) {
      assertThat(code).as("code of %s", abbreviate(reply.body())).isIn(hostile.codes);
    }
  }

  private static void assertChanges(
      HostileCase hostile, StateSnapshot before, StateSnapshot after, List<String> differences) {
    if (hostile.changes == null) {
      assertThat(differences).as("what %s changed", hostile.display()).isEmpty();
      return;
    }
    for (String table : StateSnapshot.TABLES) {
      long delta = after.tables().get(table).rows() - before.tables().get(table).rows();
      long expected = hostile.changes.getOrDefault(table, 0L);
      assertThat(delta).as("row change of %s", table).isEqualTo(expected);
      if (expected == 0) {
        assertThat(after.tables().get(table))
            .as("content of %s", table)
            .isEqualTo(before.tables().get(table));
      }
    }
    assertThat(after.journals()).as("requests to the fake platforms").isEqualTo(before.journals());
  }

  private static boolean expectedChangesOnly(
      HostileCase hostile, StateSnapshot before, StateSnapshot after) {
    for (String table : StateSnapshot.TABLES) {
      long delta = after.tables().get(table).rows() - before.tables().get(table).rows();
      long expected = hostile.changes.getOrDefault(table, 0L);
      if (delta != expected
          || (expected == 0 && !after.tables().get(table).equals(before.tables().get(table)))) {
        return false;
      }
    }
    return after.journals().equals(before.journals());
  }

  private void summary() {
    // Nothing may change after the last answer either (an asynchronous effect of an accepted
    // request).
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (lastAfter != null && !snapshot().differencesFrom(lastAfter).isEmpty()) {
      CHANGED.incrementAndGet();
    }
    String line =
        "HOSTILE SUMMARY: requests="
            + REQUESTS.get()
            + " by_status="
            + BY_STATUS
            + " five_xx="
            + FIVE_XX.get()
            + " changed="
            + CHANGED.get()
            + " failed="
            + FAILED.get();
    System.out.println(line);
    try {
      java.nio.file.Files.writeString(
          java.nio.file.Path.of("target", "hostile-report.txt"), REPORT + line + "\n");
    } catch (java.io.IOException e) {
      System.out.println("could not write target/hostile-report.txt: " + e);
    }
    assertThat(FIVE_XX.get()).as(line).isZero();
    assertThat(CHANGED.get()).as(line).isZero();
    assertThat(FAILED.get()).as(line).isZero();
  }

  private static String abbreviate(String text) {
    return text.length() <= 600 ? text : text.substring(0, 600) + "...";
  }
}

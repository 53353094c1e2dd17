package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Process starts racing the deletion of their community and the disabling of their plugin. Whatever
 * the interleaving, a start is either accepted, and then blocks the deletion and the disabling
 * (409), or refused with the contract's client error; never a 5xx, and an accepted process never
 * fails for want of its plugin.
 */
class ProcessStartRaceTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";
  private static final int ROUNDS = 20;
  private static final int STARTS = 10;

  private record Round(
      int number, String slug, List<Response> starts, Response deleted, Response disabled) {

    List<String> accepted() {
      return starts.stream().filter(r -> r.status() == 202).map(r -> r.header("Location")).toList();
    }
  }

  @Test
  void aStartRacingADeleteAndADisableIsAcceptedAndBlocksThemOrIsRefused() throws Exception {
    List<String> violations = new ArrayList<>();
    int serverErrors = 0;
    int brokenRounds = 0;
    int acceptedTotal = 0;
    ExecutorService pool = Executors.newFixedThreadPool(STARTS + 2);
    try {
      for (int number = 1; number <= ROUNDS; number++) {
        Round round = race(pool, number);
        List<String> problems = new ArrayList<>();
        serverErrors += check(round, problems);
        acceptedTotal += round.accepted().size();
        for (String location : round.accepted()) {
          checkAcceptedProcess(round, location, problems);
        }
        if (!problems.isEmpty()) {
          brokenRounds++;
          violations.addAll(problems);
        }
        cleanUp(round);
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    assertThat(violations)
        .as(
            "%d rounds, %d starts accepted, %d answers 5xx, %d rounds with a violation",
            ROUNDS, acceptedTotal, serverErrors, brokenRounds)
        .isEmpty();
  }

  /**
   * Two PUTs creating the same community, one with the plugin and one without, while starts keep
   * trying until the community exists: the PUT without the plugin may come first, or be refused
   * because a process is open, but it must never disable the plugin under a process the other PUT's
   * community accepted.
   */
  @Test
  void aPutRacingTheCreationOfItsCommunityChecksItsOpenProcesses() throws Exception {
    List<String> violations = new ArrayList<>();
    int serverErrors = 0;
    ExecutorService pool = Executors.newFixedThreadPool(STARTS + 2);
    try {
      for (int number = 1; number <= ROUNDS; number++) {
        String slug = uniqueSlug("race-create");
        String body = "{\"options\": [\"a\", \"b\"], \"delay\": " + delayMinutes(60) + "}";
        CyclicBarrier barrier = new CyclicBarrier(STARTS + 2);
        List<Future<Response>> starts = new ArrayList<>();
        for (int i = 0; i < STARTS; i++) {
          starts.add(pool.submit(together(barrier, () -> startOnceItExists(slug, body))));
        }
        Future<Response> enabling =
            pool.submit(
                together(
                    barrier,
                    () ->
                        put(
                            "/api/internal/community/" + slug,
                            "{\"name\": \""
                                + slug
                                + "\", \"plugins\": [{\"name\": \"randomness\", \"config\": {}}]}")));
        Future<Response> disabling =
            pool.submit(
                together(
                    barrier,
                    () ->
                        put(
                            "/api/internal/community/" + slug,
                            "{\"name\": \"" + slug + "\", \"plugins\": []}")));
        List<Response> started = new ArrayList<>();
        for (Future<Response> start : starts) {
          started.add(start.get(60, TimeUnit.SECONDS));
        }
        Round round =
            new Round(
                number,
                slug,
                started,
                enabling.get(60, TimeUnit.SECONDS),
                disabling.get(60, TimeUnit.SECONDS));
        String at = "round " + number + " (" + slug + "): ";
        List<Response> all = new ArrayList<>(started);
        all.add(round.deleted());
        all.add(round.disabled());
        for (Response response : all) {
          serverErrors += response.status() >= 500 ? 1 : 0;
          if (!(List.of(200, 201, 202).contains(response.status())
              || is(response, 400, "plugin_not_enabled")
              || is(response, 404, "community_not_found")
              || is(response, 409, "plugin_has_open_processes"))) {
            violations.add(at + "an answer was " + response.status() + " " + response.body());
          }
        }
        for (String location : round.accepted()) {
          checkAcceptedProcess(round, location, violations);
        }
        cleanUp(round);
      }
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    assertThat(violations).as("%d rounds, %d answers 5xx", ROUNDS, serverErrors).isEmpty();
  }

  private Response startOnceItExists(String slug, String body) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      Response response = startProcess(slug, VOTE, body);
      if (!is(response, 404, "community_not_found") || System.nanoTime() > deadline) {
        return response;
      }
      Thread.sleep(1);
    }
  }

  /**
   * One community, then its starts, its DELETE and a PUT without plugins, all released together.
   */
  private Round race(ExecutorService pool, int number) throws Exception {
    String slug = uniqueSlug("race");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    String body = "{\"options\": [\"a\", \"b\"], \"delay\": " + delayMinutes(60) + "}";
    CyclicBarrier barrier = new CyclicBarrier(STARTS + 2);
    List<Future<Response>> starts = new ArrayList<>();
    for (int i = 0; i < STARTS; i++) {
      starts.add(pool.submit(together(barrier, () -> startProcess(slug, VOTE, body))));
    }
    Future<Response> deleted =
        pool.submit(together(barrier, () -> delete("/api/internal/community/" + slug)));
    Future<Response> disabled =
        pool.submit(
            together(
                barrier,
                () ->
                    put(
                        "/api/internal/community/" + slug,
                        "{\"name\": \"" + slug + "\", \"readable_name\": \"\", \"plugins\": []}")));
    List<Response> started = new ArrayList<>();
    for (Future<Response> start : starts) {
      started.add(start.get(60, TimeUnit.SECONDS));
    }
    return new Round(
        number,
        slug,
        started,
        deleted.get(60, TimeUnit.SECONDS),
        disabled.get(60, TimeUnit.SECONDS));
  }

  private static Callable<Response> together(CyclicBarrier barrier, Callable<Response> call) {
    return () -> {
      barrier.await(30, TimeUnit.SECONDS);
      return call.call();
    };
  }

  /** Checks the answers of a round against the contract; returns how many were 5xx. */
  private static int check(Round round, List<String> problems) {
    int serverErrors = 0;
    String at = "round " + round.number() + " (" + round.slug() + "): ";
    for (Response start : round.starts()) {
      serverErrors += start.status() >= 500 ? 1 : 0;
      if (!(start.status() == 202
          || is(start, 400, "plugin_not_enabled")
          || is(start, 404, "community_not_found"))) {
        problems.add(at + "a start answered " + start.status() + " " + start.body());
      }
    }
    Response deleted = round.deleted();
    Response disabled = round.disabled();
    serverErrors += (deleted.status() >= 500 ? 1 : 0) + (disabled.status() >= 500 ? 1 : 0);
    if (!(deleted.status() == 204
        || is(deleted, 404, "community_not_found")
        || is(deleted, 409, "community_has_open_processes"))) {
      problems.add(at + "the DELETE answered " + deleted.status() + " " + deleted.body());
    }
    if (!(disabled.status() == 200
        || disabled.status() == 201
        || is(disabled, 409, "plugin_has_open_processes"))) {
      problems.add(
          at + "the PUT without plugins answered " + disabled.status() + " " + disabled.body());
    }
    int accepted = round.accepted().size();
    // An accepted process is open for the whole round (60 minutes on a clock nobody skips here), so
    // it
    // must have stopped both the deletion and the disabling; and only an accepted process can stop
    // them.
    if (accepted > 0 && (deleted.status() != 409 || disabled.status() != 409)) {
      problems.add(
          at
              + accepted
              + " start(s) accepted, yet the DELETE answered "
              + deleted.status()
              + " and the PUT without plugins "
              + disabled.status());
    }
    if (accepted == 0 && (deleted.status() == 409 || disabled.status() == 409)) {
      problems.add(
          at
              + "no start was accepted, yet the DELETE answered "
              + deleted.status()
              + " and the PUT without plugins "
              + disabled.status());
    }
    return serverErrors;
  }

  private static boolean is(Response response, int status, String code) {
    return response.status() == status
        && response.contentType().startsWith(PROBLEM_JSON)
        && code.equals(response.json().path("code").asString());
  }

  /** An accepted process exists and goes on: it becomes pending, and does not fail. */
  private void checkAcceptedProcess(Round round, String location, List<String> problems)
      throws InterruptedException {
    String at = "round " + round.number() + " (" + round.slug() + "): ";
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      Response read = getAs(round.slug(), location);
      if (read.status() != 200) {
        problems.add(
            at
                + "the accepted process "
                + location
                + " reads "
                + read.status()
                + " "
                + read.body());
        return;
      }
      JsonNode record = read.json();
      String status = record.path("status").asString();
      if ("failed".equals(status)) {
        problems.add(at + "the accepted process " + location + " failed: " + record.path("errors"));
        return;
      }
      if (!"created".equals(status)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        problems.add(at + "the accepted process " + location + " is still created after 30 s");
        return;
      }
      Thread.sleep(50);
    }
  }

  /**
   * Closes the round's open processes, so no timer of this test fires during another test's skip.
   */
  private void cleanUp(Round round) {
    for (String location : round.accepted()) {
      deleteAs(round.slug(), location);
    }
    delete("/api/internal/community/" + round.slug());
  }
}

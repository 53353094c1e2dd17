package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The process lifecycle with the platform-free {@code randomness.delayed-stochastic-vote}: start,
 * read, the deadline's durable timer, early close, idempotent starts and the listing.
 */
class RandomnessProcessTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";
  private static final List<String> OPTIONS = List.of("red", "green", "blue");

  private String community() {
    String slug = uniqueSlug("vote");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    return slug;
  }

  private String voteBody(int delayMinutes) {
    return "{\"options\": [\"red\", \"green\", \"blue\"], \"delay\": " + delayMinutes + "}";
  }

  @Test
  void aVoteStartsPendingAndIsDrawnAtItsDeadline() {
    String slug = community();
    int delay = delayMinutes(10);
    Response response = startProcess(slug, VOTE, voteBody(delay));

    assertThat(response.status()).as(response.body()).isEqualTo(202);
    assertThat(response.contentType()).startsWith(JSON);
    JsonNode started = response.json();
    assertThat(started.path("id").isIntegralNumber()).as(response.body()).isTrue();
    long id = started.path("id").asLong();
    String location = PROCESS + VOTE + "/" + id;
    assertThat(response.header("Location")).isEqualTo(location);
    assertThat(started.path("name").asString()).isEqualTo(VOTE);
    assertThat(started.path("community").asString()).isEqualTo(slug);
    assertThat(started.path("status").asString()).isIn("created", "pending");
    assertThat(started.path("errors").isObject()).isTrue();
    assertThat(started.path("outcome").isObject()).isTrue();

    JsonNode pending = awaitStatus(slug, location, "pending");
    assertThat(pending.path("id").asLong()).isEqualTo(id);
    assertThat(pending.path("name").asString()).isEqualTo(VOTE);
    assertThat(pending.path("outcome").path("winner").isNull()).as(pending.toString()).isTrue();

    // Nothing is decided before the deadline...
    skip(Duration.ofMinutes(5));
    assertThat(record(slug, location).path("status").asString()).isEqualTo("pending");

    // ...and the durable timer draws the winner once it has passed.
    skip(Duration.ofMinutes(delay));
    JsonNode completed = awaitStatus(slug, location, "completed");
    assertThat(completed.path("outcome").path("winner").asString()).isIn(OPTIONS);
    assertThat(completed.path("errors").isEmpty()).as(completed.toString()).isTrue();
    assertProblem(deleteAs(slug, location), 409, "process_ended");
  }

  @Test
  void deleteBeforeTheDeadlineDrawsNowAndASecondDeleteIs409() {
    String slug = community();
    String location = started(slug, VOTE, voteBody(delayMinutes(60)));

    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    JsonNode record = closed.json();
    assertThat(record.path("id").asLong()).isEqualTo(idOf(location));
    assertThat(record.path("status").asString()).isEqualTo("completed");
    String winner = record.path("outcome").path("winner").asString();
    assertThat(winner).isIn(OPTIONS);

    // GET agrees with the DELETE at once: the answer waited for the projection.
    JsonNode read = record(slug, location);
    assertThat(read.path("status").asString()).isEqualTo("completed");
    assertThat(read.path("outcome").path("winner").asString()).isEqualTo(winner);

    JsonNode problem = assertProblem(deleteAs(slug, location), 409, "process_ended");
    assertThat(problem.path("detail").asString()).contains("completed");
    assertThat(record(slug, location).path("outcome").path("winner").asString()).isEqualTo(winner);
  }

  @Test
  void theSameIdempotencyKeyAndBodyReturnTheSameProcess() {
    String slug = community();
    String body = voteBody(delayMinutes(60));
    Response first = startProcess(slug, VOTE, body, "Idempotency-Key", "key-1");
    Response again = startProcess(slug, VOTE, body, "Idempotency-Key", "key-1");
    assertThat(first.status()).as(first.body()).isEqualTo(202);
    assertThat(again.status()).as(again.body()).isEqualTo(202);
    long id = first.json().path("id").asLong();
    assertThat(again.json().path("id").asLong()).isEqualTo(id);
    assertThat(again.header("Location")).isEqualTo(first.header("Location"));
    assertThat(listedIds(slug, null)).containsExactly(id);

    JsonNode problem =
        assertProblem(
            startProcess(slug, VOTE, voteBody(delayMinutes(61)), "Idempotency-Key", "key-1"),
            409,
            "idempotency_key_reused");
    assertThat(problem.path("detail").asString()).contains(Long.toString(id));
    // A different callback_url is a different request too.
    assertProblem(
        startProcess(
            slug,
            VOTE,
            body.replace("{", "{\"callback_url\": \"http://127.0.0.1:9/cb\", "),
            "Idempotency-Key",
            "key-1"),
        409,
        "idempotency_key_reused");
    assertThat(listedIds(slug, null)).containsExactly(id);

    // Another key starts another process.
    Response other = startProcess(slug, VOTE, body, "Idempotency-Key", "key-2");
    assertThat(other.status()).isEqualTo(202);
    assertThat(other.json().path("id").asLong()).isNotEqualTo(id);
    assertThat(listedIds(slug, null)).containsExactly(id, other.json().path("id").asLong());

    deleteAs(slug, first.header("Location"));
    deleteAs(slug, other.header("Location"));
  }

  @Test
  void theListingShowsOnlyTheCommunitysProcessesWithTheStatus() {
    String slug = community();
    String neighbour = community();
    String done = started(slug, VOTE, voteBody(delayMinutes(60)));
    String open = started(slug, VOTE, voteBody(delayMinutes(60)));
    String neighbours = started(neighbour, VOTE, voteBody(delayMinutes(60)));
    assertThat(deleteAs(slug, done).status()).isEqualTo(200);
    assertThat(deleteAs(neighbour, neighbours).status()).isEqualTo(200);
    awaitStatus(slug, open, "pending");

    assertThat(listedIds(slug, "completed")).containsExactly(idOf(done));
    assertThat(listedIds(slug, "pending")).containsExactly(idOf(open));
    assertThat(listedIds(slug, "failed")).isEmpty();
    assertThat(listedIds(slug, null)).containsExactly(idOf(done), idOf(open));
    assertThat(listedIds(neighbour, "completed")).containsExactly(idOf(neighbours));

    Response listed = getAs(slug, "/api/internal/process?status=completed");
    JsonNode entry = listed.json().path("processes").path(0);
    assertThat(entry.path("name").asString()).isEqualTo(VOTE);
    assertThat(entry.path("community").asString()).isEqualTo(slug);
    assertThat(entry.path("outcome").path("winner").asString()).isIn(OPTIONS);

    assertProblem(getAs(slug, "/api/internal/process?status=finished"), 400, "validation_failed");
    assertProblem(get("/api/internal/process?status=completed"), 400, "missing_community_header");
    assertProblem(
        getAs("no-such-community-x", "/api/internal/process"), 404, "community_not_found");

    deleteAs(slug, open);
  }
}

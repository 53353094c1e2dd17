package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metagov.activities.json.Json;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStatus;
import org.metagov.workflows.process.ProcessWorkflow;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A process whose row was committed but whose workflow was never started (the instance died between
 * the two) is started by the sweeper, exactly once.
 */
class UnstartedProcessTest extends ProcessTestSupport {

  @Autowired ProcessRepository repository;

  @Autowired ProcessService processes;

  private static final String NAME = "randomness.delayed-stochastic-vote";

  /**
   * Commits a process the way a start does, without starting its workflow: what an instance that
   * died between the two, or could not reach Temporal, leaves behind. Returns its location.
   */
  private String acceptedButNotStarted(String community) {
    long id = repository.nextId();
    ProcessRecord record =
        new ProcessRecord(id, NAME, community, ProcessStatus.CREATED, null, Map.of(), Map.of());
    assertThat(
            repository.insert(
                id,
                community,
                "randomness",
                "delayed-stochastic-vote",
                Json.MAPPER.valueToTree(record),
                ProcessWorkflow.workflowId(community, NAME, id),
                null,
                false,
                "crash-key",
                "hash",
                temporalNow().plus(Duration.ofDays(1)),
                Json.parse("{\"options\": [\"a\", \"b\"], \"delay\": 1440}")))
        .isPresent();
    String location = PROCESS + NAME + "/" + id;
    assertThat(record(community, location).path("status").asString()).isEqualTo("created");
    return location;
  }

  @Test
  void anAcceptedProcessWhoseStartWasInterruptedIsStartedByTheSweeper() {
    String community = uniqueSlug("unstarted");
    putCommunity(community, "[{\"name\": \"randomness\"}]");
    String location = acceptedButNotStarted(community);

    assertThat(processes.startUnstarted(Duration.ZERO)).isGreaterThanOrEqualTo(1);

    awaitStatus(community, location, "pending");
    assertThat(processes.startUnstarted(Duration.ZERO))
        .as("a started process is not started again")
        .isZero();
    assertThat(
            workflowClient
                .newUntypedWorkflowStub(ProcessWorkflow.workflowId(community, NAME, idOf(location)))
                .describe())
        .isNotNull();
  }

  @Test
  void anAcceptedProcessWhoseWorkflowIsNotStartedYetCanBeClosed() {
    String community = uniqueSlug("unstarted-close");
    putCommunity(community, "[{\"name\": \"randomness\"}]");
    String location = acceptedButNotStarted(community);

    Response closed = deleteAs(community, location);

    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    assertThat(closed.json().path("status").asString()).isEqualTo("completed");
    assertThat(closed.json().path("outcome").path("winner").asString()).isIn("a", "b");
    assertThat(record(community, location).path("status").asString()).isEqualTo("completed");
    assertThat(repository.unstarted(Duration.ZERO, 10_000))
        .as("the close started it; the sweeper has nothing left to start of it")
        .extracting(ProcessRepository.StoredProcess::id)
        .doesNotContain(idOf(location));
  }
}

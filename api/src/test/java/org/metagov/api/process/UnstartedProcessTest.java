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

  @Test
  void anAcceptedProcessWhoseStartWasInterruptedIsStartedByTheSweeper() {
    String community = uniqueSlug("unstarted");
    putCommunity(community, "[{\"name\": \"randomness\"}]");
    long id = repository.nextId();
    String name = "randomness.delayed-stochastic-vote";
    ProcessRecord record =
        new ProcessRecord(id, name, community, ProcessStatus.CREATED, null, Map.of(), Map.of());
    assertThat(
            repository.insert(
                id,
                community,
                "randomness",
                "delayed-stochastic-vote",
                Json.MAPPER.valueToTree(record),
                ProcessWorkflow.workflowId(community, name, id),
                null,
                false,
                "crash-key",
                "hash",
                temporalNow().plus(Duration.ofDays(1)),
                Json.parse("{\"options\": [\"a\", \"b\"], \"delay\": 1440}")))
        .isPresent();
    String location = PROCESS + name + "/" + id;
    assertThat(record(community, location).path("status").asString()).isEqualTo("created");

    assertThat(processes.startUnstarted(Duration.ZERO)).isGreaterThanOrEqualTo(1);

    awaitStatus(community, location, "pending");
    assertThat(processes.startUnstarted(Duration.ZERO))
        .as("a started process is not started again")
        .isZero();
    assertThat(
            workflowClient
                .newUntypedWorkflowStub(ProcessWorkflow.workflowId(community, name, id))
                .describe())
        .isNotNull();
  }
}

package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.metagov.api.process.ProcessRepository.StoredProcess;
import org.metagov.workflows.process.ProcessProjection;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStatus;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The workflow's projection of a process into PostgreSQL, one statement: the row (inserted when it
 * is missing, never overwritten by an older version) and its routing keys (only ever added).
 */
class ProcessProjectionTest extends IntegrationTest {

  private static final String NAME = "discourse.poll";

  @Autowired ProcessRepository repository;

  @Autowired JdbcClient jdbc;

  @Test
  void aProjectionOfAProcessWithNoRowInsertsTheRowAndItsRoutingKeysTogether() {
    String community = community();
    long id = repository.nextId();

    repository.project(projection(community, id, ProcessStatus.PENDING, 2, "post:7", "topic:8"));

    StoredProcess stored = repository.find(id).orElseThrow();
    assertThat(stored.status()).isEqualTo(ProcessStatus.PENDING);
    assertThat(stored.record().path("version").asLong()).isEqualTo(2);
    assertThat(routingKeys(id)).containsExactly("post:7", "topic:8");
    assertThat(repository.openByRoutingKeys(community, "discourse", List.of("topic:8")))
        .extracting(StoredProcess::id)
        .containsExactly(id);
  }

  @Test
  void anOlderProjectionChangesNoStateButItsNewRoutingKeysAreKept() {
    String community = community();
    long id = repository.nextId();
    repository.project(projection(community, id, ProcessStatus.COMPLETED, 5, "post:1"));

    repository.project(projection(community, id, ProcessStatus.PENDING, 3, "post:1", "post:2"));
    repository.project(projection(community, id, ProcessStatus.COMPLETED, 5, "post:1"));

    StoredProcess stored = repository.find(id).orElseThrow();
    assertThat(stored.status()).isEqualTo(ProcessStatus.COMPLETED);
    assertThat(stored.record().path("version").asLong()).isEqualTo(5);
    assertThat(routingKeys(id)).as("each key once").containsExactly("post:1", "post:2");
  }

  @Test
  void aProjectionWithoutRoutingKeysWritesOnlyTheRow() {
    String community = community();
    long id = repository.nextId();

    repository.project(
        new ProcessProjection(
            new ProcessRecord(id, NAME, community, ProcessStatus.CREATED, null, Map.of(), Map.of()),
            1,
            null));

    assertThat(repository.find(id)).isPresent();
    assertThat(routingKeys(id)).isEmpty();
  }

  private String community() {
    String slug = uniqueSlug("projection");
    putCommunity(slug, "[]");
    return slug;
  }

  private static ProcessProjection projection(
      String community, long id, ProcessStatus status, long version, String... keys) {
    return new ProcessProjection(
        new ProcessRecord(
            id, NAME, community, status, "https://forum.example/t/x/1", Map.of(), Map.of()),
        version,
        List.of(keys));
  }

  private List<String> routingKeys(long id) {
    return jdbc.sql(
            "select routing_key from process_route where process_id = ? order by routing_key")
        .param(id)
        .query(String.class)
        .list();
  }
}

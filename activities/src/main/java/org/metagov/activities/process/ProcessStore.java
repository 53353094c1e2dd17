package org.metagov.activities.process;

import java.util.Optional;
import org.metagov.workflows.process.ProcessProjection;
import org.metagov.workflows.process.ProcessRecord;

/**
 * Where process workflows project their state for GET and listings; implemented by the api module.
 */
public interface ProcessStore {

  /** Writes the projection unless a newer version is already stored. */
  void project(ProcessProjection projection);

  /**
   * Lowers the process's webhook flag just before it re-reads its platform: a webhook that arrives
   * from now on signals the process again, and one that arrived before is covered by this read.
   */
  void hintTaken(long processId);

  /** The process's record as last projected, with its version; empty when the process is gone. */
  Optional<Projected> projected(long processId);

  /** A record as the workflow last projected it, and that projection's version. */
  record Projected(ProcessRecord record, long version) {}

  /** The inputs webhooks routed to the process, oldest first. */
  java.util.List<tools.jackson.databind.JsonNode> inputs(long processId);
}

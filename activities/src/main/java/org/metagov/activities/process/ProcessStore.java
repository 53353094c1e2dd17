package org.metagov.activities.process;

import org.metagov.workflows.process.ProcessProjection;

/** Where process workflows project their state for GET and listings; implemented by the api module. */
public interface ProcessStore {

  /** Writes the projection unless a newer version is already stored. */
  void project(ProcessProjection projection);

  /**
   * Lowers the process's webhook flag just before it re-reads its platform: a webhook that arrives from
   * now on signals the process again, and one that arrived before is covered by this read.
   */
  void hintTaken(long processId);

  /** The inputs webhooks routed to the process, oldest first. */
  java.util.List<tools.jackson.databind.JsonNode> inputs(long processId);
}

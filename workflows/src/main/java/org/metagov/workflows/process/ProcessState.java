package org.metagov.workflows.process;

import java.util.List;
import java.util.Map;

/**
 * The mutable part of a process, carried across continue-as-new. {@code version} grows with every
 * change. {@code refreshOwed} is set only on the state handed to the next run: that run re-reads
 * the platform first, because the run before it continued as new instead of refreshing for the
 * hints or reconciliation that woke it.
 */
public record ProcessState(
    ProcessStatus status,
    String url,
    Map<String, Object> outcome,
    Map<String, Object> errors,
    Map<String, Object> platformState,
    List<String> routingKeys,
    long version,
    boolean refreshOwed) {

  ProcessState owingRefresh() {
    return new ProcessState(
        status, url, outcome, errors, platformState, routingKeys, version, true);
  }
}

package org.metagov.workflows.process;

import java.util.Map;

/** A process as Drivers see it: the body of GET, of DELETE and of the callback. */
public record ProcessRecord(
    long id,
    String name,
    String community,
    ProcessStatus status,
    String url,
    Map<String, Object> errors,
    Map<String, Object> outcome) {

  public boolean ended() {
    return status != null && status.ended();
  }
}

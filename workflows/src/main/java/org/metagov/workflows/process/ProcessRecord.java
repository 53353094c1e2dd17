package org.metagov.workflows.process;

import java.util.Map;

/** A process as Drivers see it: the body of GET, of DELETE and of the callback. */
public record ProcessRecord(
    long id,
    String name,
    String community,
    String status,
    String url,
    Map<String, Object> errors,
    Map<String, Object> outcome) {

  public static final String CREATED = "created";
  public static final String PENDING = "pending";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";

  public boolean ended() {
    return COMPLETED.equals(status) || FAILED.equals(status);
  }
}

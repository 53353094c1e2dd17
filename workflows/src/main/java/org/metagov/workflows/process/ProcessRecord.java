package org.metagov.workflows.process;

import java.util.LinkedHashMap;
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

  /** The body of the result callback: the record as GET shows it. */
  public Map<String, Object> callbackBody() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("name", name);
    body.put("community", community);
    body.put("status", status.wireName());
    body.put("url", url);
    body.put("errors", errors);
    body.put("outcome", outcome);
    return body;
  }

  /**
   * The body of a live callback: the record, its {@code version} (which grows with every change, so
   * a Driver drops a callback whose version is not above the last it applied) and whether it is the
   * {@code final} one.
   */
  public Map<String, Object> liveCallbackBody(long version, boolean last) {
    Map<String, Object> body = callbackBody();
    body.put("version", version);
    body.put("final", last);
    return body;
  }
}

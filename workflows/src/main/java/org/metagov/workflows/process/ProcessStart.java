package org.metagov.workflows.process;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * Everything a process workflow needs to run, fixed when the Driver starts it. {@code
 * closingAtMillis} is the deadline (0 for none); {@code reconcileSeconds} is how often the platform
 * is re-read when no webhook arrives (0 for never); {@code liveCallbacks} asks for a callback on
 * every change, not only at the end (it is left out of the JSON when false, so the starts of
 * processes without it keep the JSON recorded histories hold); {@code platformTimeouts} lets the
 * platform calls heartbeat (null, as in starts recorded before it, for none); {@code carried} is
 * the state handed over by continue-as-new, null on first run.
 */
public record ProcessStart(
    long id,
    String community,
    String plugin,
    String process,
    Map<String, Object> parameters,
    long closingAtMillis,
    String callbackUrl,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean liveCallbacks,
    long reconcileSeconds,
    boolean searchAttributes,
    org.metagov.workflows.delivery.DeliveryPolicy deliveryPolicy,
    @JsonInclude(JsonInclude.Include.NON_NULL) PlatformCallTimeouts platformTimeouts,
    ProcessState carried) {

  public String name() {
    return plugin + "." + process;
  }

  public ProcessStart continuedWith(ProcessState state) {
    return new ProcessStart(
        id,
        community,
        plugin,
        process,
        parameters,
        closingAtMillis,
        callbackUrl,
        liveCallbacks,
        reconcileSeconds,
        searchAttributes,
        deliveryPolicy,
        platformTimeouts,
        state);
  }
}

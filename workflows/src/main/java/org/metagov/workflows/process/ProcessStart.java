package org.metagov.workflows.process;

import java.util.Map;

/**
 * Everything a process workflow needs to run, fixed when the Driver starts it. {@code closingAtMillis} is
 * the deadline (0 for none); {@code reconcileSeconds} is how often the platform is re-read when no webhook
 * arrives (0 for never); {@code carried} is the state handed over by continue-as-new, null on first run.
 */
public record ProcessStart(
    long id,
    String community,
    String plugin,
    String process,
    Map<String, Object> parameters,
    long closingAtMillis,
    String callbackUrl,
    long reconcileSeconds,
    boolean searchAttributes,
    org.metagov.workflows.delivery.DeliveryPolicy deliveryPolicy,
    ProcessState carried) {

  public String name() {
    return plugin + "." + process;
  }

  public ProcessStart continuedWith(ProcessState state) {
    return new ProcessStart(id, community, plugin, process, parameters, closingAtMillis, callbackUrl,
        reconcileSeconds, searchAttributes, deliveryPolicy, state);
  }
}

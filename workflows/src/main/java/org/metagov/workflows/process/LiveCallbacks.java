package org.metagov.workflows.process;

import org.metagov.workflows.delivery.DeliveryPolicy;

/**
 * Where a live process's callbacks go, and how far they got: {@code announcedVersion} is the newest
 * change the process announced, {@code acknowledgedVersion} the newest the Driver accepted (or
 * refused for good), {@code failures} how many attempts in a row failed. The counters are 0 on the
 * first start and carried across continue-as-new.
 */
public record LiveCallbacks(
    long processId,
    String community,
    String callbackUrl,
    DeliveryPolicy policy,
    long announcedVersion,
    long acknowledgedVersion,
    int failures) {

  static LiveCallbacks of(ProcessStart start) {
    return new LiveCallbacks(
        start.id(), start.community(), start.callbackUrl(), start.deliveryPolicy(), 0, 0, 0);
  }

  LiveCallbacks continuedWith(long announced, long acknowledged, int failuresInARow) {
    return new LiveCallbacks(
        processId, community, callbackUrl, policy, announced, acknowledged, failuresInARow);
  }
}

package org.metagov.workflows.process;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * The process workflow's only way to reach the world. Implementations live in the activities module
 * and load the community's current plugin config on every call, so a config change applies to open
 * processes from then on.
 *
 * <p>Failures: a platform 4xx arrives as a non-retryable {@code ApplicationFailure} of type {@link
 * ProcessFailure#PLATFORM_REJECTED}; 5xx, timeouts and unreachable platforms are retryable failures
 * of type {@link ProcessFailure#PLATFORM_UNAVAILABLE}. A 401 or 403 is {@link
 * ProcessFailure#PLATFORM_UNAUTHORIZED}: the credentials in the config are wrong for now, which a
 * Driver can mend with a config change, so it never ends an open process.
 */
@ActivityInterface
public interface ProcessActivities {

  /**
   * Creates the process on the platform. Safe to repeat: a retry finds what the first attempt
   * created.
   */
  @ActivityMethod
  PlatformSnapshot start(PlatformCall call);

  /** Re-reads the process's authoritative state from the platform. */
  @ActivityMethod
  PlatformSnapshot refresh(PlatformCall call);

  /** Closes the process on the platform if it is still open there, and reads its final state. */
  @ActivityMethod
  PlatformSnapshot close(PlatformCall call);

  /**
   * Writes the workflow's state to PostgreSQL; a write older than the stored version is ignored.
   */
  @ActivityMethod
  void project(ProcessProjection projection);

  /**
   * Starts the delivery of the process's result to the Driver as a workflow of its own ({@link
   * org.metagov.workflows.delivery.DeliveryWorkflow#workflowId}), which outlives the process. Safe
   * to repeat: a delivery with that id that was already started, running or finished, is left as it
   * is.
   */
  @ActivityMethod
  void startResultDelivery(
      org.metagov.workflows.delivery.Delivery delivery,
      org.metagov.workflows.delivery.DeliveryPolicy policy);
}

package org.metagov.workflows.process;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.metagov.workflows.delivery.Delivery;

/**
 * Announcing a live process's changes to its {@link LiveCallbackWorkflow}, and sending them to the
 * Driver.
 */
@ActivityInterface
public interface LiveCallbackActivities {

  /**
   * Tells the process's live callback workflow that the process projected this version, starting
   * the workflow if it is not running. Safe to repeat; a workflow that already ended is left alone.
   */
  @ActivityMethod
  void announceChange(LiveCallbacks callbacks, long version);

  /**
   * Hands the final callback to the process's live callback workflow, starting it if need be. Safe
   * to repeat.
   */
  @ActivityMethod
  void announceEnd(LiveCallbacks callbacks, Delivery result);

  /**
   * One attempt to POST the process's newest projected record, if it is open and its version is
   * above {@code acknowledgedVersion}, signed like every callback under the {@code webhook-id}
   * {@code process-{id}-update-{version}}. Never throws for the Driver's answer: the result says
   * what happened.
   */
  @ActivityMethod
  UpdateAttempt sendLatestUpdate(LiveCallbacks callbacks, long acknowledgedVersion);

  /**
   * What one {@link #sendLatestUpdate} did, with the version it concerned and why it failed, if it
   * did.
   */
  record UpdateAttempt(UpdateResult result, long version, String error) {}

  enum UpdateResult {
    /** The Driver accepted the version. */
    DELIVERED,
    /**
     * The Driver (a 4xx other than 408 and 429) or the URL policy refused it; repeating cannot
     * succeed.
     */
    REFUSED,
    /** No answer, a timeout, 408, 429 or 5xx: the next attempt sends the newest version again. */
    FAILED,
    /**
     * The projection holds nothing newer than the acknowledged version (or the process is gone).
     */
    NOTHING_NEWER,
    /** The process has ended: its final callback comes from the process workflow, not from here. */
    ENDED
  }
}

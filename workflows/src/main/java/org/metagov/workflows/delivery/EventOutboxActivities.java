package org.metagov.workflows.delivery;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Delivering a community's queued events, with their bodies and fate kept in PostgreSQL. */
@ActivityInterface
public interface EventOutboxActivities {

  /**
   * Sends the community's queued events in order, for a bounded time. Each event is completed from
   * its platform first where its plugin needs that. An event the receiver accepts is marked
   * delivered; one it refuses permanently (a 4xx other than 408 and 429, or a URL the policy
   * refuses) is dead-lettered at once, as is one whose give-up time (counted from when it was
   * queued) has passed after a failed attempt. The first event that fails and may succeed later
   * stops the run: the result says when to try again. Clears the outbox's wake-up flag before it
   * reads, so an event queued meanwhile wakes the workflow again.
   */
  @ActivityMethod
  OutboxDrain deliverQueued(String community);

  /**
   * What one {@link #deliverQueued} did.
   *
   * @param retryAfterSeconds 0 when the outbox is empty or more can be sent now; otherwise the head
   *     event failed and the next attempt is due after this many seconds
   * @param more whether queued events remain that can be sent now (the run stopped at its time
   *     budget)
   */
  record OutboxDrain(int delivered, int deadLettered, long retryAfterSeconds, boolean more) {}
}

package org.metagov.activities.delivery;

import java.time.Instant;
import java.util.List;

/** The queued events of each community in PostgreSQL; implemented by the api module. */
public interface EventOutboxStore {

  /**
   * Lowers the community's wake-up flag, so an event queued from now on signals the workflow again.
   */
  void clearWake(String community);

  /** The oldest queued events of the community, in queue order. */
  List<QueuedEvent> queued(String community, int limit);

  /** Replaces the body with the one its plugin completed from the platform. */
  void saveEnriched(String id, String body);

  void delivered(String id);

  /** Records a failed attempt and returns how many attempts failed so far. */
  int failedAttempt(String id, String error);

  void deadLetter(String id, String error);

  /** The plugin found the event does not concern the community (it is kept, not sent). */
  void discard(String id, String reason);

  /** A queued event; {@code queuedAt} starts its give-up clock. */
  record QueuedEvent(
      String id,
      String community,
      String plugin,
      String url,
      String body,
      boolean enriched,
      Instant queuedAt) {}
}

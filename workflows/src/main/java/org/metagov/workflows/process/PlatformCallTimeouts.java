package org.metagov.workflows.process;

import java.time.Duration;

/**
 * How long one platform request may take ({@code PLATFORM_REQUEST_TIMEOUT}), handed to the workflow
 * so that the activities calling platforms can be timed out soon after their worker dies. Such an
 * activity heartbeats before every request; a heartbeat timeout of one request and a margin
 * therefore passes only when the attempt is lost, and the attempt is retried at once instead of
 * after its whole start-to-close timeout.
 */
public record PlatformCallTimeouts(long requestTimeoutMillis) {

  /**
   * Time beyond one request between two heartbeats: the wait for a rate-limit token, reading the
   * answer.
   */
  static final Duration HEARTBEAT_MARGIN = Duration.ofSeconds(5);

  public Duration heartbeatTimeout() {
    return Duration.ofMillis(requestTimeoutMillis).plus(HEARTBEAT_MARGIN);
  }
}

package org.metagov.activities.plugin;

/**
 * A platform call that did not succeed. {@link Kind#REJECTED} (the platform answered 4xx) will fail the
 * same way when retried; the other kinds are transient and worth retrying.
 */
public class PlatformException extends RuntimeException {

  public enum Kind {
    /** The platform answered 4xx: the request itself is wrong for the platform. */
    REJECTED,
    /** The platform answered 5xx or an unreadable body. */
    FAILED,
    /** The platform could not be reached at all. */
    UNREACHABLE,
    /** The platform did not answer within the timeout. */
    TIMEOUT
  }

  private final Kind kind;
  private final String platform;
  private final int platformStatus;

  public PlatformException(Kind kind, String platform, int platformStatus, String detail) {
    super(detail);
    this.kind = kind;
    this.platform = platform;
    this.platformStatus = platformStatus;
  }

  public Kind kind() {
    return kind;
  }

  public String platform() {
    return platform;
  }

  /** The HTTP status the platform answered, or 0 when it did not answer. */
  public int platformStatus() {
    return platformStatus;
  }

  public boolean retryable() {
    return kind != Kind.REJECTED;
  }
}

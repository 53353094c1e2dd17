package org.metagov.workflows.process;

/**
 * The ways a process's platform call (or its close) fails, as the {@code ApplicationFailure} types
 * Temporal carries. Recorded histories hold these types, so {@link #type()} never changes.
 */
public enum ProcessFailure {
  /**
   * The platform answered 4xx, or the call's input was refused: repeating it cannot change the
   * answer.
   */
  PLATFORM_REJECTED("PlatformRejected"),
  /** A 5xx, a timeout or an unreachable platform: retried. */
  PLATFORM_UNAVAILABLE("PlatformUnavailable"),
  /** The plugin, its process or the community's config of it is gone. */
  CONFIG_MISSING("ConfigMissing"),
  /**
   * A 401 or 403: the credentials in the config are wrong for now, which a Driver can mend with a
   * config change.
   */
  PLATFORM_UNAUTHORIZED("PlatformUnauthorized"),
  /** The platform could not close the process early; the DELETE that asked reports it. */
  CLOSE_FAILED("CloseFailed");

  private final String type;

  ProcessFailure(String type) {
    this.type = type;
  }

  /** The failure type Temporal carries. */
  public String type() {
    return type;
  }

  /**
   * Whether this is the type of the given failure type, as {@code ApplicationFailure.getType()}
   * reports it.
   */
  public boolean is(String failureType) {
    return type.equals(failureType);
  }
}

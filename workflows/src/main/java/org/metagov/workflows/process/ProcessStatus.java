package org.metagov.workflows.process;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a process stands. Its wire name is what Drivers read in JSON and what PostgreSQL and the
 * MetagovStatus search attribute hold; recorded workflow histories carry it too, so a wire name
 * never changes.
 */
public enum ProcessStatus {
  CREATED("created"),
  PENDING("pending"),
  COMPLETED("completed"),
  FAILED("failed");

  private final String wireName;

  ProcessStatus(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The status of this wire name; throws IllegalArgumentException for any other text. */
  @JsonCreator
  public static ProcessStatus fromWireName(String wireName) {
    return parse(wireName)
        .orElseThrow(() -> new IllegalArgumentException("no process status is named " + wireName));
  }

  public static Optional<ProcessStatus> parse(String wireName) {
    return Arrays.stream(values()).filter(status -> status.wireName.equals(wireName)).findFirst();
  }

  /** Created or pending: the process may still change. */
  public boolean isOpen() {
    return this == CREATED || this == PENDING;
  }

  /** Completed or failed: the process will not change again. */
  public boolean ended() {
    return !isOpen();
  }

  /** The wire names of the open statuses, for SQL parameters. */
  public static List<String> openWireNames() {
    return Arrays.stream(values())
        .filter(ProcessStatus::isOpen)
        .map(ProcessStatus::wireName)
        .toList();
  }

  /** The wire names of the ended statuses, for SQL parameters. */
  public static List<String> endedWireNames() {
    return Arrays.stream(values())
        .filter(ProcessStatus::ended)
        .map(ProcessStatus::wireName)
        .toList();
  }

  @Override
  public String toString() {
    return wireName;
  }
}

package org.metagov.workflows.delivery;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * What a delivery carries to the Driver. Its wire name is what Drivers read, what PostgreSQL and
 * the metrics' kind tag hold; recorded workflow histories carry it too, so a wire name never
 * changes.
 */
public enum DeliveryKind {
  /** The result of a process, sent to the callback URL its Driver gave. */
  CALLBACK("callback"),
  /** A platform event, sent to the Driver's event receiver. */
  EVENT("event");

  private final String wireName;

  DeliveryKind(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The kind of this wire name; throws IllegalArgumentException for any other text. */
  @JsonCreator
  public static DeliveryKind fromWireName(String wireName) {
    return Arrays.stream(values())
        .filter(kind -> kind.wireName.equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no delivery kind is named " + wireName));
  }

  @Override
  public String toString() {
    return wireName;
  }
}

package org.metagov.api.delivery;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Optional;

/**
 * Where a delivery stands; its wire name is what Drivers read and filter by, and what PostgreSQL
 * holds.
 */
public enum DeliveryStatus {
  /** An event waiting in its community's outbox. */
  QUEUED("queued"),
  /** A callback whose delivery workflow is trying. */
  PENDING("pending"),
  DELIVERED("delivered"),
  /** Given up on; a Driver or operator can redeliver it. */
  DEAD("dead"),
  /** An event its plugin found does not concern the community: kept, never sent. */
  DISCARDED("discarded");

  private final String wireName;

  DeliveryStatus(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The status of this wire name; throws IllegalArgumentException for any other text. */
  @JsonCreator
  public static DeliveryStatus fromWireName(String wireName) {
    return parse(wireName)
        .orElseThrow(() -> new IllegalArgumentException("no delivery status is named " + wireName));
  }

  public static Optional<DeliveryStatus> parse(String wireName) {
    return Arrays.stream(values()).filter(status -> status.wireName.equals(wireName)).findFirst();
  }

  @Override
  public String toString() {
    return wireName;
  }
}

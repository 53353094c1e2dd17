package org.metagov.activities.plugin;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How a platform account came to be linked to a Metagov id. The wire names are the Metagov
 * gateway's, which Drivers send and read, and which PostgreSQL holds.
 */
public enum LinkType {
  OAUTH("oauth"),
  MANUAL_ADMIN("manual admin"),
  EMAIL_MATCHING("email matching"),
  UNKNOWN("unknown");

  private final String wireName;

  LinkType(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The link type of this wire name; throws IllegalArgumentException for any other text. */
  @JsonCreator
  public static LinkType fromWireName(String wireName) {
    return parse(wireName)
        .orElseThrow(() -> new IllegalArgumentException("no link type is named " + wireName));
  }

  public static Optional<LinkType> parse(String wireName) {
    return Arrays.stream(values()).filter(type -> type.wireName.equals(wireName)).findFirst();
  }

  public static List<String> wireNames() {
    return Arrays.stream(values()).map(LinkType::wireName).toList();
  }

  @Override
  public String toString() {
    return wireName;
  }
}

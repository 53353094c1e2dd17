package org.metagov.activities.plugin;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * How sure Metagov is that a linked platform account belongs to the person of its Metagov id, from
 * the least sure to the most: the declaration order is the ranking. The wire names are the Metagov
 * gateway's.
 */
public enum LinkQuality {
  UNKNOWN("unknown"),
  UNCONFIRMED("unconfirmed"),
  WEAK_CONFIRM("confirmed (weak)"),
  STRONG_CONFIRM("confirmed (strong)");

  private final String wireName;

  LinkQuality(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * Whether this quality is a better assurance than {@code other}: a link only ever moves up to
   * such a one.
   */
  public boolean higherThan(LinkQuality other) {
    return compareTo(other) > 0;
  }

  /** The link quality of this wire name; throws IllegalArgumentException for any other text. */
  @JsonCreator
  public static LinkQuality fromWireName(String wireName) {
    return parse(wireName)
        .orElseThrow(() -> new IllegalArgumentException("no link quality is named " + wireName));
  }

  public static Optional<LinkQuality> parse(String wireName) {
    return Arrays.stream(values()).filter(quality -> quality.wireName.equals(wireName)).findFirst();
  }

  public static List<String> wireNames() {
    return Arrays.stream(values()).map(LinkQuality::wireName).toList();
  }

  @Override
  public String toString() {
    return wireName;
  }
}

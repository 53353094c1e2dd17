package org.metagov.activities.plugin;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import tools.jackson.databind.JsonNode;

/**
 * The {@code closing_at} parameter of processes: an ISO-8601 date (the start of that day, UTC), as
 * in the tutorial's {@code "2022-01-01"}, or a date-time (UTC when it has no offset). It must lie
 * in the future.
 */
public final class ClosingTimes {

  private ClosingTimes() {}

  /** The deadline a process's parameters name, or null when they name none. */
  public static Instant optional(JsonNode parameters, Instant now) {
    String text = parameters.path("closing_at").asString(null);
    return text == null || text.isBlank() ? null : future(parse(text), now);
  }

  /** The deadline a process's parameters name; a missing one is invalid input. */
  public static Instant required(JsonNode parameters, Instant now) {
    Instant closingAt = optional(parameters, now);
    if (closingAt == null) {
      throw InvalidInputException.of("closing_at", "is required");
    }
    return closingAt;
  }

  public static Instant parse(String text) {
    String value = text.trim();
    try {
      if (value.length() == 10) {
        return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
      }
      String normalized = value.replace(' ', 'T');
      try {
        return OffsetDateTime.parse(normalized).toInstant();
      } catch (DateTimeParseException noOffset) {
        return LocalDateTime.parse(normalized).toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException e) {
      throw InvalidInputException.of(
          "closing_at", "is not an ISO-8601 date (2030-01-31) or date-time (2030-01-31T12:00:00Z)");
    }
  }

  private static Instant future(Instant closingAt, Instant now) {
    if (!closingAt.isAfter(now)) {
      throw InvalidInputException.of("closing_at", "must be in the future");
    }
    return closingAt;
  }
}

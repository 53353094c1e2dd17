package org.metagov.activities.plugin;

/**
 * A platform call that did not succeed. {@link Kind#REJECTED} (the platform answered 4xx, or the
 * call could not be made as configured) will fail the same way when retried; the other kinds are
 * transient and worth retrying.
 */
public class PlatformException extends RuntimeException {

  public enum Kind {
    /**
     * The platform answered 4xx: the request itself is wrong for the platform. With {@link
     * #platformStatus()} 0, the call was not made at all because it cannot be as configured, such
     * as a {@code server_url} whose address this deployment does not connect to.
     */
    REJECTED,
    /**
     * The platform answered 5xx, or an answer that is unreadable or larger than the deployment
     * accepts.
     */
    FAILED,
    /** The platform could not be reached at all. */
    UNREACHABLE,
    /** The platform did not answer within the timeout. */
    TIMEOUT,
    /**
     * The platform asked to slow down (429, or its own rate-limit answer); {@link #retryAfter()}
     * says how long.
     */
    RATE_LIMITED
  }

  private final Kind kind;
  private final String platform;
  private final int platformStatus;
  private final String responseBody;

  private static final int MAX_EXCERPT = 200;

  public PlatformException(Kind kind, String platform, int platformStatus, String detail) {
    this(kind, platform, platformStatus, detail, null);
  }

  /**
   * @param responseBody what the platform answered (bounded by the caller), for plugins to read its
   *     errors
   */
  public PlatformException(
      Kind kind, String platform, int platformStatus, String detail, String responseBody) {
    super(detail);
    this.kind = kind;
    this.platform = platform;
    this.platformStatus = platformStatus;
    this.responseBody = responseBody;
  }

  /** The platform's answer, or null when it gave none. Never shown to Drivers as it is. */
  public String responseBody() {
    return responseBody;
  }

  /** {@link #excerpt(String)} of the platform's answer; null when it gave none. */
  public String responseExcerpt() {
    return excerpt(responseBody);
  }

  /**
   * Text a platform sent, made fit for an error detail that Drivers read and logs keep: control and
   * invisible formatting characters (which can rewrite a terminal or hide text) and line breaks
   * become spaces, runs of spaces one, and it is cut to 200 characters with an ellipsis. Null when
   * nothing is left.
   */
  public static String excerpt(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder flat = new StringBuilder(Math.min(text.length(), 2 * MAX_EXCERPT));
    int kept = 0;
    boolean cut = false;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      int type = Character.getType(c);
      if (type == Character.SURROGATE) {
        continue;
      }
      if (Character.isWhitespace(c)
          || Character.isSpaceChar(c)
          || Character.isISOControl(c)
          || type == Character.FORMAT) {
        if (kept > 0 && kept < MAX_EXCERPT && flat.charAt(flat.length() - 1) != ' ') {
          flat.append(' ');
          kept++;
        }
        continue;
      }
      if (kept == MAX_EXCERPT) {
        cut = true;
        break;
      }
      flat.appendCodePoint(c);
      kept++;
    }
    String result = flat.toString().strip();
    return result.isEmpty() ? null : cut ? result + "…" : result;
  }

  /** The platform's answer as JSON, or null when it gave none or it is not JSON. */
  public tools.jackson.databind.JsonNode responseJson() {
    if (responseBody == null || responseBody.isBlank()) {
      return null;
    }
    try {
      return org.metagov.activities.json.Json.parse(responseBody);
    } catch (tools.jackson.core.JacksonException notJson) {
      return null;
    }
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

  private java.time.Duration retryAfter;

  /**
   * How long the platform asked to wait before the next call (for {@link Kind#RATE_LIMITED}), or
   * null.
   */
  public java.time.Duration retryAfter() {
    return retryAfter;
  }

  /** A platform's request to slow down, with the wait it asked for (null when it named none). */
  public static PlatformException rateLimited(
      String platform, int status, String detail, java.time.Duration retryAfter) {
    PlatformException e = new PlatformException(Kind.RATE_LIMITED, platform, status, detail);
    e.retryAfter = retryAfter;
    return e;
  }
}

package org.metagov.activities.plugin;

/**
 * A thing the Driver named that the platform does not have (a user, a poll). Answered as 404 with
 * the given machine code.
 */
public class NotFoundException extends RuntimeException {

  private final String code;

  public NotFoundException(String code, String detail) {
    super(detail);
    this.code = code;
  }

  public String code() {
    return code;
  }
}

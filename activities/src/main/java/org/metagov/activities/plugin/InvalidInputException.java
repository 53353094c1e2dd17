package org.metagov.activities.plugin;

import java.util.List;

/** Input that a schema or a plugin rejected before anything was sent to a platform or stored. */
public class InvalidInputException extends RuntimeException {

  private final List<FieldError> errors;

  public InvalidInputException(String detail, List<FieldError> errors) {
    super(detail);
    this.errors = List.copyOf(errors);
  }

  public static InvalidInputException of(String path, String message) {
    return new InvalidInputException(path + ": " + message, List.of(new FieldError(path, message)));
  }

  public List<FieldError> errors() {
    return errors;
  }
}

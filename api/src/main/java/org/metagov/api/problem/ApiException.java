package org.metagov.api.problem;

import java.util.List;
import org.metagov.activities.plugin.FieldError;
import org.springframework.http.HttpStatus;

/**
 * A request that cannot be served, with everything the problem document needs: the status, a stable
 * machine {@code code}, and a detail sentence a person can act on.
 */
public class ApiException extends RuntimeException {

  private final HttpStatus status;
  private final String code;
  private final List<FieldError> errors;

  public ApiException(HttpStatus status, String code, String detail) {
    this(status, code, detail, List.of());
  }

  public ApiException(HttpStatus status, String code, String detail, List<FieldError> errors) {
    super(detail);
    this.status = status;
    this.code = code;
    this.errors = List.copyOf(errors);
  }

  public HttpStatus status() {
    return status;
  }

  public String code() {
    return code;
  }

  public List<FieldError> errors() {
    return errors;
  }

  public static ApiException badRequest(String code, String detail) {
    return new ApiException(HttpStatus.BAD_REQUEST, code, detail);
  }

  public static ApiException invalid(String detail, List<FieldError> errors) {
    return new ApiException(HttpStatus.BAD_REQUEST, "validation_failed", detail, errors);
  }

  public static ApiException notFound(String code, String detail) {
    return new ApiException(HttpStatus.NOT_FOUND, code, detail);
  }

  public static ApiException conflict(String code, String detail) {
    return new ApiException(HttpStatus.CONFLICT, code, detail);
  }
}

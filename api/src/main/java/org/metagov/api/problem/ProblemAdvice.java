package org.metagov.api.problem;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.client.WorkflowServiceException;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.PlatformException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Turns every failure into an RFC 9457 problem document. Client mistakes get a 4xx that says what
 * to fix; anything unexpected gets a 500 that leaks nothing (the stack trace goes to the log only).
 */
@RestControllerAdvice
public class ProblemAdvice {

  private static final Logger log = LoggerFactory.getLogger(ProblemAdvice.class);

  /** How long a client refused for lack of a free database connection is asked to wait. */
  static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(1);

  @ExceptionHandler(ApiException.class)
  ResponseEntity<Problem> api(ApiException e, HttpServletRequest request) {
    return problem(e.status(), e.code(), e.getMessage(), e.errors(), request);
  }

  @ExceptionHandler(InvalidInputException.class)
  ResponseEntity<Problem> invalid(InvalidInputException e, HttpServletRequest request) {
    return problem(
        HttpStatus.BAD_REQUEST, "validation_failed", e.getMessage(), e.errors(), request);
  }

  @ExceptionHandler(org.metagov.activities.plugin.NotFoundException.class)
  ResponseEntity<Problem> notFound(
      org.metagov.activities.plugin.NotFoundException e, HttpServletRequest request) {
    return problem(HttpStatus.NOT_FOUND, e.code(), e.getMessage(), List.of(), request);
  }

  @ExceptionHandler(PlatformException.class)
  ResponseEntity<Problem> platform(PlatformException e, HttpServletRequest request) {
    if (e.kind() == PlatformException.Kind.RATE_LIMITED) {
      ResponseEntity<Problem> limited =
          problem(
              HttpStatus.SERVICE_UNAVAILABLE,
              "platform_rate_limited",
              e.getMessage(),
              List.of(),
              request);
      return e.retryAfter() == null ? limited : retryAfter(limited, e.retryAfter());
    }
    boolean timeout = e.kind() == PlatformException.Kind.TIMEOUT;
    return problem(
        timeout ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY,
        timeout ? "platform_timeout" : "platform_error",
        e.getMessage(),
        List.of(),
        request);
  }

  @ExceptionHandler(PayloadTooLargeException.class)
  ResponseEntity<Problem> tooLarge(PayloadTooLargeException e, HttpServletRequest request) {
    return problem(
        HttpStatus.CONTENT_TOO_LARGE, "payload_too_large", e.getMessage(), List.of(), request);
  }

  @ExceptionHandler(HttpMessageNotReadableException.class)
  ResponseEntity<Problem> unreadable(
      HttpMessageNotReadableException e, HttpServletRequest request) {
    Throwable cause = e.getMostSpecificCause();
    if (cause instanceof PayloadTooLargeException tooLarge) {
      return tooLarge(tooLarge, request);
    }
    String detail =
        e.getMessage() != null && e.getMessage().startsWith("Required request body is missing")
            ? "The request needs a JSON body."
            : "The request body is not valid JSON: " + firstLine(cause.getMessage());
    return problem(HttpStatus.BAD_REQUEST, "malformed_json", detail, List.of(), request);
  }

  @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
  ResponseEntity<Problem> mediaType(
      HttpMediaTypeNotSupportedException e, HttpServletRequest request) {
    return problem(
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "Send the body as application/json (got "
            + (e.getContentType() == null ? "no Content-Type" : e.getContentType())
            + ").",
        List.of(),
        request);
  }

  @ExceptionHandler(HttpMediaTypeNotAcceptableException.class)
  ResponseEntity<Problem> notAcceptable(
      HttpMediaTypeNotAcceptableException e, HttpServletRequest request) {
    return problem(
        HttpStatus.NOT_ACCEPTABLE,
        "not_acceptable",
        "This endpoint answers application/json only.",
        List.of(),
        request);
  }

  @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
  ResponseEntity<Problem> method(
      HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
    ResponseEntity<Problem> response =
        problem(
            HttpStatus.METHOD_NOT_ALLOWED,
            "method_not_allowed",
            request.getMethod()
                + " is not supported here; use "
                + String.join(
                    ", ", e.getSupportedMethods() == null ? new String[0] : e.getSupportedMethods())
                + ".",
            List.of(),
            request);
    HttpHeaders headers = new HttpHeaders();
    headers.putAll(response.getHeaders());
    if (e.getSupportedHttpMethods() != null) {
      headers.setAllow(e.getSupportedHttpMethods());
    }
    return new ResponseEntity<>(response.getBody(), headers, response.getStatusCode());
  }

  @ExceptionHandler(MissingRequestHeaderException.class)
  ResponseEntity<Problem> header(MissingRequestHeaderException e, HttpServletRequest request) {
    String code =
        "X-Metagov-Community".equalsIgnoreCase(e.getHeaderName())
            ? "missing_community_header"
            : "missing_header";
    return problem(
        HttpStatus.BAD_REQUEST,
        code,
        "The "
            + e.getHeaderName()
            + " header is required"
            + ("missing_community_header".equals(code) ? ": set it to the community slug." : "."),
        List.of(new FieldError("header." + e.getHeaderName(), "is required")),
        request);
  }

  @ExceptionHandler({
    MissingServletRequestParameterException.class,
    MethodArgumentTypeMismatchException.class
  })
  ResponseEntity<Problem> parameter(Exception e, HttpServletRequest request) {
    // Spring's own messages name Java types (java.lang.String, long); say what to send instead.
    String detail;
    String name;
    if (e instanceof MethodArgumentTypeMismatchException mismatch) {
      name = mismatch.getName();
      Class<?> type = mismatch.getRequiredType();
      boolean whole =
          type != null
              && (type == int.class
                  || type == long.class
                  || type == Integer.class
                  || type == Long.class);
      String value = String.valueOf(mismatch.getValue());
      detail =
          "The parameter "
              + name
              + " must be "
              + (whole ? "a whole number" : "a valid value")
              + " (got '"
              + (value.length() > 100 ? value.substring(0, 100) + "..." : value)
              + "').";
    } else {
      name = ((MissingServletRequestParameterException) e).getParameterName();
      detail = "The query parameter " + name + " is required.";
    }
    return problem(
        HttpStatus.BAD_REQUEST,
        "invalid_parameter",
        detail,
        List.of(new FieldError(name, "is invalid")),
        request);
  }

  @ExceptionHandler(NoResourceFoundException.class)
  ResponseEntity<Problem> noResource(NoResourceFoundException e, HttpServletRequest request) {
    return problem(
        HttpStatus.NOT_FOUND,
        "not_found",
        "There is nothing at " + request.getRequestURI() + ".",
        List.of(),
        request);
  }

  @ExceptionHandler({
    CannotGetJdbcConnectionException.class,
    DataAccessResourceFailureException.class,
    TransientDataAccessException.class
  })
  ResponseEntity<Problem> database(Exception e, HttpServletRequest request) {
    if (poolExhausted(e)) {
      // Every connection stayed busy for the pool's connection timeout: the service is saturated,
      // not broken.
      // A quick 503 sheds the load; a stack trace per refused request would only add to it.
      log.warn(
          "No database connection came free in time for {} {}; answered 503 with Retry-After",
          request.getMethod(),
          request.getRequestURI());
      return retryAfter(
          problem(
              HttpStatus.SERVICE_UNAVAILABLE,
              "server_busy",
              "The service is at capacity; nothing was changed. Retry after the delay in Retry-After.",
              List.of(),
              request),
          BUSY_RETRY_AFTER);
    }
    log.error(
        "PostgreSQL is unavailable while serving {} {}",
        request.getMethod(),
        request.getRequestURI(),
        e);
    return problem(
        HttpStatus.SERVICE_UNAVAILABLE,
        "database_unavailable",
        "The database is unavailable; nothing was changed. Retry later.",
        List.of(),
        request);
  }

  @ExceptionHandler({WorkflowServiceException.class, StatusRuntimeException.class})
  ResponseEntity<Problem> temporal(RuntimeException e, HttpServletRequest request) {
    Status.Code code = statusCode(e);
    if (code == Status.Code.UNAVAILABLE
        || code == Status.Code.DEADLINE_EXCEEDED
        || code == Status.Code.RESOURCE_EXHAUSTED) {
      log.error(
          "Temporal is unavailable while serving {} {}",
          request.getMethod(),
          request.getRequestURI(),
          e);
      return problem(
          HttpStatus.SERVICE_UNAVAILABLE,
          "temporal_unavailable",
          "The workflow service is unavailable. Retry later.",
          List.of(),
          request);
    }
    return unexpected(e, request);
  }

  @ExceptionHandler(Exception.class)
  ResponseEntity<Problem> unexpected(Exception e, HttpServletRequest request) {
    log.error("Unexpected failure serving {} {}", request.getMethod(), request.getRequestURI(), e);
    return problem(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side; it has been logged.",
        List.of(),
        request);
  }

  /**
   * Whether the connection pool timed out waiting for a connection to come free. The pool's timeout
   * names the last failure to connect as its cause; without one, PostgreSQL was reachable and every
   * connection was in use.
   */
  private static boolean poolExhausted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException) {
        return t.getCause() == null;
      }
    }
    return false;
  }

  private static ResponseEntity<Problem> retryAfter(
      ResponseEntity<Problem> problem, Duration delay) {
    return ResponseEntity.status(problem.getStatusCode())
        .headers(problem.getHeaders())
        .header(
            HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, (delay.toMillis() + 999) / 1000)))
        .body(problem.getBody());
  }

  private static Status.Code statusCode(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus().getCode();
      }
    }
    return Status.Code.UNKNOWN;
  }

  private static final tools.jackson.databind.json.JsonMapper FILTER_MAPPER =
      tools.jackson.databind.json.JsonMapper.builder().build();

  /**
   * Writes a problem document straight to the response, for servlet filters that answer before MVC.
   */
  public static void write(
      jakarta.servlet.http.HttpServletResponse response,
      HttpStatus status,
      String code,
      String detail,
      HttpServletRequest request)
      throws java.io.IOException {
    Problem body = problem(status, code, detail, List.of(), request).getBody();
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.getOutputStream().write(FILTER_MAPPER.writeValueAsBytes(body));
  }

  static ResponseEntity<Problem> problem(
      HttpStatus status,
      String code,
      String detail,
      List<FieldError> errors,
      HttpServletRequest request) {
    Problem body =
        new Problem(
            "about:blank",
            status.getReasonPhrase(),
            status.value(),
            detail,
            code,
            request == null ? null : request.getRequestURI(),
            errors.isEmpty() ? null : errors);
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable input";
    }
    String line = message.lines().findFirst().orElse(message);
    // Jackson names its own classes and settings in some messages (in parentheses or
    // `back-quotes`); they
    // mean nothing to a Driver author and reveal the implementation.
    return line.replaceAll("\\(class [^)]*\\)", "")
        .replaceAll(",?\\s*from\\s*`[^`]*`", "")
        .replaceAll("\\s*\\([^()`]*`[^()]*\\)", "")
        .replaceAll(":?\\s*not allowed as per\\s*`[^`]*`", "")
        .replaceAll("`[^`]*`", "a value")
        .replaceAll("\\b(?:tools|com|org|java|javax|jakarta)\\.[A-Za-z0-9_.$]+", "a value")
        .replaceAll("\\s+", " ")
        .trim();
  }
}

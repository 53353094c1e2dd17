package org.metagov.api.problem;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Tomcat's error report for requests refused before they reach the application (a URL with an
 * encoded NUL, slash or backslash, headers over the size limit, a malformed request line): an RFC
 * 9457 problem document like every other error, instead of Tomcat's HTML page.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

  private static final tools.jackson.databind.json.JsonMapper MAPPER =
      tools.jackson.databind.json.JsonMapper.builder().build();

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    HttpStatus known = HttpStatus.resolve(status);
    String title = known == null ? "Error" : known.getReasonPhrase();
    String code;
    String detail;
    if (status == 400) {
      code = "invalid_request";
      detail =
          "The request could not be read: its URL, headers or framing are malformed (an encoded NUL, slash or backslash"
              + " in the path, or headers over the size limit).";
    } else if (status >= 500) {
      code = "internal_error";
      detail = "Something went wrong on our side; it has been logged.";
    } else {
      code = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
      detail = "The request was refused: " + title + ".";
    }
    Problem problem = new Problem("about:blank", title, status, detail, code, null, null);
    try {
      response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
      response.setCharacterEncoding("UTF-8");
      PrintWriter writer = response.getReporter();
      if (writer != null) {
        writer.write(MAPPER.writeValueAsString(problem));
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The connection is gone or the response was committed meanwhile; nothing more can be said.
    }
  }
}

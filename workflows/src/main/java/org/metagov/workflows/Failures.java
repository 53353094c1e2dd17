package org.metagov.workflows;

import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;

/** Reads a person-readable reason and the failure type out of a Temporal failure chain. */
public final class Failures {

  private Failures() {}

  public static String message(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure application) {
        return application.getOriginalMessage();
      }
      if (t instanceof TimeoutFailure timeout) {
        return "gave up after the retry limit (" + timeout.getTimeoutType() + ")";
      }
    }
    return failure.getMessage();
  }

  public static String type(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure application) {
        return application.getType();
      }
    }
    return null;
  }
}

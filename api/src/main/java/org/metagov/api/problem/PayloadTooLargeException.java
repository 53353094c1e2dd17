package org.metagov.api.problem;

import java.io.IOException;

/**
 * A request body over the configured limit. An IOException so it can surface from a body stream.
 */
public class PayloadTooLargeException extends IOException {

  public PayloadTooLargeException(long limit) {
    super("The request body is larger than the limit of " + limit + " bytes.");
  }
}

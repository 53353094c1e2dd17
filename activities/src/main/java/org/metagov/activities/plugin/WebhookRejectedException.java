package org.metagov.activities.plugin;

/** A webhook whose signature or origin does not check out. Answered 401; nothing is changed. */
public class WebhookRejectedException extends RuntimeException {

  public WebhookRejectedException(String detail) {
    super(detail);
  }
}

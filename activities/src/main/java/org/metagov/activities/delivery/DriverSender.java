package org.metagov.activities.delivery;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.http.OutboundHttp.Failure;

/**
 * POSTs callbacks and events to the Driver with Standard Webhooks headers: {@code webhook-id} (the
 * same on every attempt), {@code webhook-timestamp}, and {@code webhook-signature} when a signing
 * secret is set. It sends through {@link OutboundHttp}: redirects are not followed, the URL policy
 * judges the address connected to, and one deadline covers the whole attempt. Only the answer's
 * status matters; its body is dropped. It judges each answer once, for every kind of delivery: 2xx
 * delivered; a 4xx other than 408 and 429, or a URL the policy refuses, is a permanent refusal;
 * anything else may succeed later.
 */
public class DriverSender {

  /**
   * The most of a Driver's answer read (and dropped) to keep the connection; a larger one closes
   * it.
   */
  static final long MAX_ANSWER_READ = 64 * 1024;

  /** What became of one attempt. */
  public enum Verdict {
    DELIVERED,
    /** The receiver or the policy refused it; repeating the same request cannot succeed. */
    REFUSED,
    /** No answer, a timeout, 408, 429 or 5xx: worth another attempt. */
    RETRY
  }

  /**
   * @param error why it was not delivered (null when delivered), without the URL's query or
   *     credentials
   */
  public record Outcome(Verdict verdict, String error) {}

  private final WebhookSigner signer;
  private final OutboundHttp http;

  public DriverSender(
      OutboundUrlPolicy urlPolicy,
      String signingSecret,
      Duration connectTimeout,
      Duration timeout) {
    this.signer = new WebhookSigner(signingSecret);
    this.http =
        new OutboundHttp(
            urlPolicy, new OutboundHttp.Limits(connectTimeout, timeout, MAX_ANSWER_READ));
  }

  public Outcome send(String webhookId, String url, String body) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException | NullPointerException e) {
      return new Outcome(Verdict.REFUSED, "the URL is not a valid URL");
    }
    long timestamp = System.currentTimeMillis() / 1000;
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("webhook-id", webhookId);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    signer
        .sign(webhookId, timestamp, body)
        .ifPresent(signature -> headers.put("webhook-signature", signature));
    int status;
    try {
      status =
          http.statusOf(
              new OutboundHttp.Request(
                  "POST", uri, headers, body.getBytes(StandardCharsets.UTF_8)));
    } catch (Failure e) {
      return switch (e.reason()) {
        case REFUSED -> new Outcome(Verdict.REFUSED, "the URL " + e.getMessage());
        case UNUSABLE_URL ->
            new Outcome(
                Verdict.REFUSED, "the URL " + OutboundHttp.describe(uri) + " " + e.getMessage());
        case TIMEOUT ->
            new Outcome(
                Verdict.RETRY, "the receiver did not answer in time (" + e.getMessage() + ")");
        case UNRESOLVED, CONNECT_TIMEOUT, CONNECTION_REFUSED, BROKEN ->
            new Outcome(
                Verdict.RETRY, "the receiver could not be reached (" + e.getMessage() + ")");
      };
    }
    if (status >= 200 && status < 300) {
      return new Outcome(Verdict.DELIVERED, null);
    }
    String error = "the receiver answered " + status;
    return new Outcome(permanentRefusal(status) ? Verdict.REFUSED : Verdict.RETRY, error);
  }

  static boolean permanentRefusal(int status) {
    return status >= 400 && status < 500 && status != 408 && status != 429;
  }
}

package org.metagov.activities.delivery;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * POSTs callbacks and events to the Driver with Standard Webhooks headers: {@code webhook-id} (the same on
 * every attempt), {@code webhook-timestamp}, and {@code webhook-signature} when a signing secret is set.
 * Redirects are not followed. It judges each answer once, for every kind of delivery: 2xx delivered; a 4xx
 * other than 408 and 429, or a URL the policy refuses, is a permanent refusal; anything else may succeed later.
 */
@Component
public class DriverSender {

  /** What became of one attempt. */
  public enum Verdict {
    DELIVERED,
    /** The receiver or the policy refused it; repeating the same request cannot succeed. */
    REFUSED,
    /** No answer, a timeout, 408, 429 or 5xx: worth another attempt. */
    RETRY
  }

  /** @param error why it was not delivered (null when delivered), without the URL's query or credentials */
  public record Outcome(Verdict verdict, String error) {}

  private final OutboundUrlPolicy urlPolicy;
  private final WebhookSigner signer;
  private final HttpClient client;
  private final Duration timeout;

  public DriverSender(
      OutboundUrlPolicy urlPolicy,
      @Value("${metagov.delivery.signing-secret:}") String signingSecret,
      @Value("${metagov.delivery.connect-timeout:5s}") Duration connectTimeout,
      @Value("${metagov.delivery.request-timeout:15s}") Duration timeout) {
    this.urlPolicy = urlPolicy;
    this.signer = new WebhookSigner(signingSecret);
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  public Outcome send(String webhookId, String url, String body) {
    var refused = urlPolicy.violation(url);
    if (refused.isPresent()) {
      return new Outcome(Verdict.REFUSED, "the URL " + refused.get());
    }
    long timestamp = System.currentTimeMillis() / 1000;
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .header("User-Agent", "metagov-temporal")
          .header("webhook-id", webhookId)
          .header("webhook-timestamp", Long.toString(timestamp))
          .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      signer.sign(webhookId, timestamp, body).ifPresent(signature -> request.header("webhook-signature", signature));
      HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      if (status >= 200 && status < 300) {
        return new Outcome(Verdict.DELIVERED, null);
      }
      String error = "the receiver answered " + status;
      return new Outcome(permanentRefusal(status) ? Verdict.REFUSED : Verdict.RETRY, error);
    } catch (IOException e) {
      return new Outcome(Verdict.RETRY, "the receiver could not be reached (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(Verdict.RETRY, "interrupted");
    } catch (IllegalArgumentException e) {
      // A request the HTTP client refuses to make, such as a URL the policy accepts with a port out of range:
      // repeating it cannot succeed. (Its message may quote the whole URL, so it is not passed on.)
      return new Outcome(Verdict.REFUSED, "the URL " + describe(url) + " cannot be used by the HTTP client");
    }
  }

  static boolean permanentRefusal(int status) {
    return status >= 400 && status < 500 && status != 408 && status != 429;
  }

  /** The URL without its query or credentials, for error messages that end up in logs and histories. */
  public static String describe(String url) {
    try {
      URI uri = new URI(url);
      String authority = uri.getRawAuthority();
      if (authority != null) {
        authority = authority.substring(authority.lastIndexOf('@') + 1);
      }
      return uri.getScheme() + "://" + authority + uri.getRawPath();
    } catch (java.net.URISyntaxException | NullPointerException e) {
      return "an invalid URL";
    }
  }
}

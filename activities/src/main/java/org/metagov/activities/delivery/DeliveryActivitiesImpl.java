package org.metagov.activities.delivery;

import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.metagov.activities.json.Json;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryActivities;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Sends callbacks and events to the Driver with Standard Webhooks headers: {@code webhook-id} (the same on
 * every attempt), {@code webhook-timestamp}, and {@code webhook-signature} when a signing secret is set.
 * Redirects are not followed.
 */
@Component("deliveryActivities")
public class DeliveryActivitiesImpl implements DeliveryActivities {

  private final DeliveryStore store;
  private final OutboundUrlPolicy urlPolicy;
  private final WebhookSigner signer;
  private final HttpClient client;
  private final Duration timeout;

  public DeliveryActivitiesImpl(
      DeliveryStore store,
      OutboundUrlPolicy urlPolicy,
      @Value("${metagov.delivery.signing-secret:}") String signingSecret,
      @Value("${metagov.delivery.connect-timeout:5s}") Duration connectTimeout,
      @Value("${metagov.delivery.request-timeout:15s}") Duration timeout) {
    this.store = store;
    this.urlPolicy = urlPolicy;
    this.signer = new WebhookSigner(signingSecret);
    this.timeout = timeout;
    this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
  }

  @Override
  public void register(Delivery delivery) {
    store.register(delivery);
  }

  @Override
  public void send(Delivery delivery) {
    var refused = urlPolicy.violation(delivery.url());
    if (refused.isPresent()) {
      store.recordAttempt(delivery.id(), "the URL " + refused.get());
      throw ApplicationFailure.newNonRetryableFailure("Delivery " + delivery.id() + " refused: the URL " + refused.get(),
          "DeliveryRefused");
    }
    String body = Json.write(delivery.body());
    long timestamp = System.currentTimeMillis() / 1000;
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(delivery.url()))
        .timeout(timeout)
        .header("Content-Type", "application/json")
        .header("User-Agent", "metagov-temporal")
        .header("webhook-id", delivery.id())
        .header("webhook-timestamp", Long.toString(timestamp))
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    signer.sign(delivery.id(), timestamp, body).ifPresent(signature -> request.header("webhook-signature", signature));
    String error;
    try {
      HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
      if (response.statusCode() >= 200 && response.statusCode() < 300) {
        return;
      }
      error = "the receiver answered " + response.statusCode();
    } catch (IOException e) {
      error = "the receiver could not be reached (" + e.getClass().getSimpleName() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "interrupted";
    }
    store.recordAttempt(delivery.id(), error);
    throw ApplicationFailure.newFailure("Delivery " + delivery.id() + " to " + describe(delivery.url()) + " failed: " + error,
        "DeliveryFailed");
  }

  @Override
  public void finish(String deliveryId, boolean delivered, String lastError) {
    store.finish(deliveryId, delivered, lastError);
  }

  private static String describe(String url) {
    URI uri = URI.create(url);
    return uri.getScheme() + "://" + uri.getRawAuthority() + uri.getRawPath();
  }
}

package org.metagov.activities.delivery;

import java.time.Duration;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How callbacks and events are sent to the Driver, and how long they are retried.
 *
 * @param giveUpAfter how long a delivery is retried before it is dead-lettered
 * @param maxBackoff the longest pause between two attempts (the backoff is exponential up to it)
 * @param denyPrivateNetworks refuse callback, event and plugin server URLs on loopback, private,
 *     link-local and other special-purpose addresses; when unset, {@code
 *     EmbeddedDefaultsEnvironment} turns it off only in the fully embedded run
 * @param signingSecret the Standard Webhooks secret that signs them; empty sends them unsigned
 * @param connectTimeout the longest wait for a connection
 * @param requestTimeout one attempt, from connecting to the answer's last byte
 */
@ConfigurationProperties("metagov.delivery")
public record DeliveryProperties(
    @DefaultValue("4d") Duration giveUpAfter,
    @DefaultValue("1h") Duration maxBackoff,
    @DefaultValue("true") boolean denyPrivateNetworks,
    @DefaultValue("") String signingSecret,
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("15s") Duration requestTimeout) {

  /** The retry bounds handed to delivery workflows. */
  public DeliveryPolicy policy() {
    return new DeliveryPolicy(giveUpAfter.toSeconds(), maxBackoff.toSeconds());
  }
}

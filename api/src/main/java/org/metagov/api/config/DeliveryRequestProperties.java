package org.metagov.api.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How each callback and event is sent to the Driver (how often and how long they are retried is decided
 * elsewhere, from the other {@code metagov.delivery} settings).
 *
 * @param signingSecret the Standard Webhooks secret that signs them; empty sends them unsigned
 * @param connectTimeout the longest wait for a connection
 * @param requestTimeout one attempt, from connecting to the answer's last byte
 */
@ConfigurationProperties("metagov.delivery")
public record DeliveryRequestProperties(
    @DefaultValue("") String signingSecret,
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("15s") Duration requestTimeout) {}

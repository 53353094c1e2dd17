package org.metagov.api.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Driver this service works for.
 *
 * @param eventReceiverUrl where platform events are sent ({@code DRIVER_EVENT_RECEIVER_URL}); empty
 *     sends none
 * @param apiTokens the Driver tokens, comma-separated, each optionally limited to communities:
 *     {@code token1,token2@c1|c2} ({@code DRIVER_API_TOKENS}); empty leaves the API open
 */
@ConfigurationProperties("metagov.driver")
public record DriverProperties(
    @DefaultValue("") String eventReceiverUrl, @DefaultValue("") String apiTokens) {}

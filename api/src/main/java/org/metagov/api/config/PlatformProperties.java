package org.metagov.api.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * How plugins call their platforms.
 *
 * @param connectTimeout the longest wait for a connection
 * @param requestTimeout the whole call, from connecting to the answer's last byte
 * @param maxResponseSize the largest answer read; a larger one fails the call
 */
@ConfigurationProperties("metagov.platform")
public record PlatformProperties(
    @DefaultValue("5s") Duration connectTimeout,
    @DefaultValue("20s") Duration requestTimeout,
    @DefaultValue("4MB") DataSize maxResponseSize) {}

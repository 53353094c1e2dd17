package org.metagov.api.problem;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits on the requests this service accepts.
 *
 * @param maxBodySize the largest request body read ({@code MAX_BODY_SIZE}); a larger one is
 *     answered 413
 */
@ConfigurationProperties("metagov.http")
public record HttpProperties(@DefaultValue("1MB") DataSize maxBodySize) {}

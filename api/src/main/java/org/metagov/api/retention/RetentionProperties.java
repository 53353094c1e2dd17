package org.metagov.api.retention;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long finished records are kept.
 *
 * @param finished webhook receipts after they arrived; ended processes and their routes, delivered
 *     and discarded deliveries after they ended
 * @param deadLetters dead-lettered deliveries that nobody redelivered
 * @param interval how often the pruner runs
 */
@ConfigurationProperties("metagov.retention")
public record RetentionProperties(
    @DefaultValue("30d") Duration finished,
    @DefaultValue("90d") Duration deadLetters,
    @DefaultValue("1h") Duration interval) {}

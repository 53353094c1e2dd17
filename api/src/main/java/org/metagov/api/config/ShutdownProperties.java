package org.metagov.api.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long the process may take to end once it is asked to (SIGTERM).
 *
 * @param deadline from the signal to the end of the process, whatever still blocks; see {@link
 *     ShutdownDeadline}
 */
@ConfigurationProperties("metagov.shutdown")
public record ShutdownProperties(@DefaultValue("20s") Duration deadline) {}

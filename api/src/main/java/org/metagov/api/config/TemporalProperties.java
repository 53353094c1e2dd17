package org.metagov.api.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The Temporal task queue and the workers' settings; the frontend's address is read by {@link
 * EmbeddedDefaultsEnvironment} and the connection's security is in {@link
 * TemporalConnectionProperties}.
 *
 * @param taskQueue the queue every workflow and activity of this service runs on
 * @param embeddedTimeSkipping whether the in-process test server skips time (tests only: it would
 *     end a 14-day vote at once)
 * @param stickyScheduleToStartTimeout how long a workflow task waits on a worker's sticky queue;
 *     null keeps the SDK's default
 */
@ConfigurationProperties("metagov.temporal")
public record TemporalProperties(
    @DefaultValue("metagov-processes") String taskQueue,
    @DefaultValue("false") boolean embeddedTimeSkipping,
    Duration stickyScheduleToStartTimeout) {}

package org.metagov.api.process;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How processes are kept up to date and started.
 *
 * @param reconcileInterval how often an open process re-reads its platform when no webhook arrives
 * @param sweepInterval how often the sweepers run: the one that starts accepted processes whose
 *     workflow was not started, and the one that re-sends unanswered event outbox wake-ups (their
 *     schedules read the setting by name)
 * @param unstartedGrace how old an unstarted process or an unanswered wake-up must be before a
 *     sweeper acts on it
 */
@ConfigurationProperties("metagov.processes")
public record ProcessProperties(
    @DefaultValue("5m") Duration reconcileInterval,
    @DefaultValue("30s") Duration sweepInterval,
    @DefaultValue("30s") Duration unstartedGrace) {}

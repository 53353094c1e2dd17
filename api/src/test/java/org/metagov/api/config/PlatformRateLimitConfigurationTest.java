package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metagov.activities.http.PlatformRateLimiter;

/**
 * The settings reach the limiter: named plugins get their rate, the documented ones theirs, others
 * the default.
 */
class PlatformRateLimitConfigurationTest {

  @Test
  void pluginRatesOverTheDocumentedOnesAndTheDefaultForTheRest() {
    PlatformProperties.RateLimit settings =
        new PlatformProperties.RateLimit(
            Duration.ofSeconds(3),
            new PlatformProperties.Rate(2, 3),
            Map.of(
                "loomio",
                new PlatformProperties.Rate(4, 8),
                "slack",
                new PlatformProperties.Rate(0.5, 2)));

    PlatformRateLimiter limiter = OutboundHttpConfiguration.rateLimiter(settings);

    assertThat(limiter.maxWait()).isEqualTo(Duration.ofSeconds(3));
    assertThat(limiter.rateOf("Loomio")).isEqualTo(new PlatformRateLimiter.Rate(4, 8));
    assertThat(limiter.rateOf("Slack"))
        .as("configured over the documented rate")
        .isEqualTo(new PlatformRateLimiter.Rate(0.5, 2));
    assertThat(limiter.rateOf("Discourse"))
        .as("documented")
        .isEqualTo(new PlatformRateLimiter.Rate(0.9, 6));
    assertThat(limiter.rateOf("Open Collective"))
        .as("the default")
        .isEqualTo(new PlatformRateLimiter.Rate(2, 3));
  }
}

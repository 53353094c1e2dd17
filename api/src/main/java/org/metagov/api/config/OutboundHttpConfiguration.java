package org.metagov.api.config;

import java.util.LinkedHashMap;
import java.util.Map;
import org.metagov.activities.delivery.DeliveryProperties;
import org.metagov.activities.delivery.DriverSender;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.http.PlatformRateLimiter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The two outbound HTTP clients, both under the outbound URL policy: the one plugins use to reach
 * their platforms, and the one that sends callbacks and events to the Driver.
 */
@Configuration(proxyBeanMethods = false)
public class OutboundHttpConfiguration {

  @Bean
  PlatformHttp platformHttp(OutboundUrlPolicy policy, PlatformProperties properties) {
    return new PlatformHttp(
        policy,
        new OutboundHttp.Limits(
            properties.connectTimeout(),
            properties.requestTimeout(),
            properties.maxResponseSize().toBytes()),
        rateLimiter(properties.rateLimit()));
  }

  /**
   * One limiter for the whole worker: every activity slot and every action share each instance's
   * bucket.
   */
  static PlatformRateLimiter rateLimiter(PlatformProperties.RateLimit rateLimit) {
    Map<String, PlatformRateLimiter.Rate> rates = new LinkedHashMap<>();
    rateLimit.plugins().forEach((plugin, rate) -> rates.put(plugin, rate.bucket()));
    return new PlatformRateLimiter(
        rates,
        rateLimit.defaults().bucket(),
        rateLimit.maxWait(),
        PlatformRateLimiter.Clock.SYSTEM);
  }

  @Bean
  DriverSender driverSender(OutboundUrlPolicy policy, DeliveryProperties properties) {
    return new DriverSender(
        policy,
        properties.signingSecret(),
        properties.connectTimeout(),
        properties.requestTimeout());
  }
}

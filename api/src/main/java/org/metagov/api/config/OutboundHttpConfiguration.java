package org.metagov.api.config;

import org.metagov.activities.delivery.DeliveryProperties;
import org.metagov.activities.delivery.DriverSender;
import org.metagov.activities.delivery.OutboundUrlPolicy;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.http.PlatformHttp;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The two outbound HTTP clients, both under the outbound URL policy: the one plugins use to reach their
 * platforms, and the one that sends callbacks and events to the Driver.
 */
@Configuration(proxyBeanMethods = false)
public class OutboundHttpConfiguration {

  @Bean
  PlatformHttp platformHttp(OutboundUrlPolicy policy, PlatformProperties properties) {
    return new PlatformHttp(policy, new OutboundHttp.Limits(
        properties.connectTimeout(), properties.requestTimeout(), properties.maxResponseSize().toBytes()));
  }

  @Bean
  DriverSender driverSender(OutboundUrlPolicy policy, DeliveryProperties properties) {
    return new DriverSender(policy, properties.signingSecret(), properties.connectTimeout(), properties.requestTimeout());
  }
}

package org.metagov.api.config;

import java.time.Duration;
import org.metagov.activities.http.PlatformHttp;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The HTTP client that plugins use to reach platforms, with the configured timeouts. */
@Configuration(proxyBeanMethods = false)
public class PlatformConfiguration {

  @Bean
  PlatformHttp platformHttp(
      @Value("${metagov.platform.connect-timeout:5s}") Duration connectTimeout,
      @Value("${metagov.platform.request-timeout:20s}") Duration requestTimeout) {
    return new PlatformHttp(connectTimeout, requestTimeout);
  }
}

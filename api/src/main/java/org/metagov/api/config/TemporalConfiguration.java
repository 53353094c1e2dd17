package org.metagov.api.config;

import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Temporal wiring beyond what the starter does from {@code application.yml}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({TemporalConnectionProperties.class, TemporalProperties.class})
public class TemporalConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TemporalConfiguration.class);

  /** TLS, mutual TLS and the API key of the connection to a Temporal frontend. */
  @Bean
  TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> connectionSecurity(
      TemporalConnectionProperties connection) {
    return new TemporalConnectionSecurity(connection);
  }

  /**
   * How long a workflow task waits on a worker's sticky queue before it goes back to the shared
   * queue. The SDK's default suits a real cluster; the standalone Java test server never expires
   * such tasks, so crash tests against it set this to zero.
   */
  @Bean
  TemporalOptionsCustomizer<io.temporal.worker.WorkerOptions.Builder> stickyQueueTimeout(
      TemporalProperties temporal) {
    java.time.Duration timeout = temporal.stickyScheduleToStartTimeout();
    return builder ->
        timeout == null ? builder : builder.setStickyQueueScheduleToStartTimeout(timeout);
  }

  /**
   * The in-process test server skips time whenever a client blocks on a result, which would end a
   * 14-day vote at once; the embedded run therefore turns skipping off. Tests turn it on.
   */
  @Bean
  TemporalOptionsCustomizer<TestEnvironmentOptions.Builder> embeddedTemporalServer(
      TemporalProperties temporal) {
    boolean timeSkipping = temporal.embeddedTimeSkipping();
    return builder -> {
      log.warn(
          "Using the in-process Temporal test server (time skipping {}). THIS STATE IS NOT DURABLE: running "
              + "processes are lost when the service stops. Set TEMPORAL_ADDRESS to use a Temporal cluster.",
          timeSkipping ? "on" : "off");
      return builder.setUseTimeskipping(timeSkipping);
    };
  }

  /** The in-process test server, mended so that it does not slow down and grow as it ages. */
  @Bean
  static BeanPostProcessor embeddedTemporalServerLockEvents() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof TestWorkflowEnvironment environment) {
          TestServerLockEvents.install(environment);
        }
        return bean;
      }
    };
  }
}

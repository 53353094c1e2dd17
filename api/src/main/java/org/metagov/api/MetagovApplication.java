package org.metagov.api;

import org.metagov.api.config.ShutdownDeadline;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Metagov orchestrator: the Driver API, webhook receivers, and the Temporal client and workers.
 */
@SpringBootApplication(scanBasePackages = "org.metagov")
@ConfigurationPropertiesScan("org.metagov")
@org.springframework.scheduling.annotation.EnableScheduling
public class MetagovApplication {

  public static void main(String[] args) {
    SpringApplication application = new SpringApplication(MetagovApplication.class);
    application.addListeners(new ShutdownDeadline());
    application.run(args);
  }
}

package org.metagov.api.config;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Chooses the embedded default run when no Temporal address is configured: the Temporal starter then
 * runs its in-process test server instead of connecting to a cluster. The PostgreSQL counterpart is
 * {@link EmbeddedPostgresConfiguration}.
 */
public class EmbeddedDefaultsEnvironment implements EnvironmentPostProcessor {

  static final String TEMPORAL_ADDRESS = "metagov.temporal.address";

  @Override
  public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
    String address = environment.getProperty(TEMPORAL_ADDRESS, "");
    Map<String, Object> chosen = new HashMap<>();
    if (address.isBlank()) {
      chosen.put("spring.temporal.test-server.enabled", "true");
      chosen.put("spring.temporal.connection.target", "in-process");
    } else {
      chosen.put("spring.temporal.test-server.enabled", "false");
      chosen.put("spring.temporal.connection.target", address);
    }
    environment.getPropertySources().addFirst(new MapPropertySource("metagovEmbeddedDefaults", chosen));
  }
}

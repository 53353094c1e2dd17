package org.metagov.api.config;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;

/**
 * Chooses the embedded default run when no Temporal address is configured: the Temporal starter
 * then runs its in-process test server instead of connecting to a cluster. The PostgreSQL
 * counterpart is {@link EmbeddedPostgresConfiguration}. Also decides whether outbound URLs may
 * point to private networks when {@code DELIVERY_DENY_PRIVATE_NETWORKS} is not set: only in the
 * fully embedded run.
 */
public class EmbeddedDefaultsEnvironment implements EnvironmentPostProcessor {

  static final String TEMPORAL_ADDRESS = "metagov.temporal.address";
  static final String DATASOURCE_URL = "spring.datasource.url";
  static final String DENY_PRIVATE_NETWORKS = "metagov.delivery.deny-private-networks";

  /**
   * The development run: neither a Temporal address nor a database URL is configured. Anything else
   * talks to real infrastructure, so outbound URLs on private networks are refused unless
   * explicitly allowed.
   */
  public static boolean embedded(Environment environment) {
    return environment.getProperty(TEMPORAL_ADDRESS, "").isBlank()
        && environment.getProperty(DATASOURCE_URL, "").isBlank();
  }

  @Override
  public void postProcessEnvironment(
      ConfigurableEnvironment environment, SpringApplication application) {
    String address = environment.getProperty(TEMPORAL_ADDRESS, "");
    Map<String, Object> chosen = new HashMap<>();
    if (address.isBlank()) {
      chosen.put("spring.temporal.test-server.enabled", "true");
      chosen.put("spring.temporal.connection.target", "in-process");
    } else {
      chosen.put("spring.temporal.test-server.enabled", "false");
      chosen.put("spring.temporal.connection.target", address);
    }
    if (environment.getProperty(DENY_PRIVATE_NETWORKS, "").isBlank()) {
      chosen.put(DENY_PRIVATE_NETWORKS, Boolean.toString(!embedded(environment)));
    }
    environment
        .getPropertySources()
        .addFirst(new MapPropertySource("metagovEmbeddedDefaults", chosen));
  }
}

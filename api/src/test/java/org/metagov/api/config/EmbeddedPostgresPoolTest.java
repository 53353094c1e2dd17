package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The embedded PostgreSQL's pool takes the {@code spring.datasource.hikari} settings (DB_POOL_SIZE)
 * like a real one.
 */
class EmbeddedPostgresPoolTest {

  private final ApplicationContextRunner app =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(ConfigurationPropertiesAutoConfiguration.class))
          .withUserConfiguration(EmbeddedPostgresConfiguration.class);

  @Test
  void thePoolSizeIsTheConfiguredOne() {
    app.withPropertyValues("spring.datasource.hikari.maximum-pool-size=7")
        .run(
            context -> {
              HikariDataSource pool = context.getBean(HikariDataSource.class);
              assertThat(pool.getMaximumPoolSize()).isEqualTo(7);
              assertThat(pool.getPoolName()).isEqualTo("embedded-postgres");
            });
  }

  @Test
  void withoutASettingThePoolKeepsTwentyConnections() {
    app.run(
        context ->
            assertThat(context.getBean(HikariDataSource.class).getMaximumPoolSize()).isEqualTo(20));
  }
}

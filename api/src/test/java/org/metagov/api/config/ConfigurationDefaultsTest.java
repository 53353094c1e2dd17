package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.metagov.activities.delivery.DeliveryProperties;
import org.metagov.api.apps.InstallProperties;
import org.metagov.api.codec.CodecProperties;
import org.metagov.api.problem.HttpProperties;
import org.metagov.api.process.ProcessProperties;
import org.metagov.api.retention.RetentionProperties;
import org.metagov.api.security.SecretKeyProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.io.ClassPathResource;

/**
 * Every settings record's {@code @DefaultValue}s are the defaults {@code application.yml} gives
 * with no environment variable set, so a record bound without the file (a slice, a test context)
 * behaves as the application does. {@link TemporalConnectionProperties} and {@code SlackProperties}
 * are left out: they take an empty string for unset.
 */
class ConfigurationDefaultsTest {

  static List<Class<?>> records() {
    return List.of(
        DeliveryProperties.class,
        ProcessProperties.class,
        TemporalProperties.class,
        DriverProperties.class,
        MetagovProperties.class,
        HttpProperties.class,
        PlatformProperties.class,
        ShutdownProperties.class,
        RetentionProperties.class,
        InstallProperties.class,
        CodecProperties.class,
        SecretKeyProperties.class);
  }

  @ParameterizedTest
  @MethodSource("records")
  void defaultsAreThoseOfApplicationYml(Class<?> type) throws IOException {
    String prefix = type.getAnnotation(ConfigurationProperties.class).value();
    Object fromYml = applicationYml().bindOrCreate(prefix, type);
    Object fromDefaults =
        new Binder(ConfigurationPropertySources.from(new MutablePropertySources()))
            .bindOrCreate(prefix, type);
    assertThat(fromYml).isEqualTo(fromDefaults);
  }

  /**
   * application.yml alone, its placeholders resolved to their defaults (as with no environment
   * variable set).
   */
  private static Binder applicationYml() throws IOException {
    MutablePropertySources sources = new MutablePropertySources();
    new YamlPropertySourceLoader()
        .load("application.yml", new ClassPathResource("application.yml"))
        .forEach(sources::addLast);
    // Left empty in application.yml on purpose: EmbeddedDefaultsEnvironment decides it from the
    // other settings.
    sources.addFirst(
        new MapPropertySource("decided", Map.of("metagov.delivery.deny-private-networks", "true")));
    return new Binder(
        ConfigurationPropertySources.from(sources),
        new PropertySourcesPlaceholdersResolver(sources));
  }
}

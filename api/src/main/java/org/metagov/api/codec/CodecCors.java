package org.metagov.api.codec;

import java.util.Arrays;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Lets the Temporal UI call the codec endpoint from the browser: only the configured UI origins,
 * only POST, with the headers the UI sends ({@code Content-Type}, {@code X-Namespace}, and {@code
 * Authorization}), and with credentials, so a browser signed in at {@code /codec/session} sends its
 * cookie.
 */
@Configuration(proxyBeanMethods = false)
public class CodecCors implements WebMvcConfigurer {

  private final CodecProperties properties;

  public CodecCors(CodecProperties properties) {
    this.properties = properties;
  }

  @Override
  public void addCorsMappings(CorsRegistry registry) {
    String[] origins =
        properties.uiOrigins().stream()
            .map(String::trim)
            .filter(o -> !o.isEmpty())
            .toArray(String[]::new);
    if (Arrays.asList(origins).contains("*")) {
      throw new IllegalStateException(
          "TEMPORAL_UI_ORIGIN must name the Temporal UI's origins (such as "
              + "https://temporal.example.org), not *: browsers signed in to the codec endpoint send their cookie along.");
    }
    registry
        .addMapping("/codec/**")
        .allowedOrigins(origins)
        .allowedMethods("POST")
        .allowedHeaders("Authorization", "Content-Type", "X-Namespace")
        .allowCredentials(true)
        .maxAge(3600);
  }
}

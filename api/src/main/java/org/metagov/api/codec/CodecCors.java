package org.metagov.api.codec;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.CorsRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Lets the Temporal UI call the codec endpoint from the browser: only the configured UI origins, only POST, with
 * the headers the UI sends ({@code Content-Type}, {@code X-Namespace}, and {@code Authorization}).
 */
@Configuration(proxyBeanMethods = false)
public class CodecCors implements WebMvcConfigurer {

  private final CodecProperties properties;

  public CodecCors(CodecProperties properties) {
    this.properties = properties;
  }

  @Override
  public void addCorsMappings(CorsRegistry registry) {
    registry.addMapping("/codec/**")
        .allowedOrigins(properties.uiOrigins().stream().map(String::trim).filter(o -> !o.isEmpty()).toArray(String[]::new))
        .allowedMethods("POST")
        .allowedHeaders("Authorization", "Content-Type", "X-Namespace")
        .maxAge(3600);
  }
}

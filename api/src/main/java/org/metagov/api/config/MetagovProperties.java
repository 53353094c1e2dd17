package org.metagov.api.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of this deployment as a whole (the other {@code metagov.*} areas have records of their
 * own).
 *
 * @param publicUrl the address platforms use to reach this service ({@code METAGOV_PUBLIC_URL}),
 *     such as {@code https://metagov.example.org}; empty when platforms cannot reach it
 */
@ConfigurationProperties("metagov")
public record MetagovProperties(@DefaultValue("") String publicUrl) {

  public MetagovProperties {
    publicUrl = publicUrl == null ? "" : publicUrl;
  }
}

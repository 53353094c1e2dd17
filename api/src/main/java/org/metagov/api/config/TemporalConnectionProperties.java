package org.metagov.api.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How this service authenticates to the Temporal frontend at {@code TEMPORAL_ADDRESS} and protects
 * the traffic. Empty strings count as unset (they are what an unset environment variable leaves in
 * {@code application.yml}).
 *
 * @param apiKey a Temporal Cloud API key, sent as {@code authorization: Bearer <key>} on every
 *     call; implies TLS
 * @param tls transport security
 */
@ConfigurationProperties("metagov.temporal.connection")
public record TemporalConnectionProperties(String apiKey, @DefaultValue Tls tls) {

  /**
   * @param enabled TLS on or off; unset means on as soon as any other TLS setting or an API key is
   *     given
   * @param caCert PEM file of the CA certificates that sign the frontend's certificate; unset
   *     trusts the JVM's default trust store
   * @param clientCert PEM file of this service's certificate chain, for mutual TLS (with {@code
   *     clientKey})
   * @param clientKey PEM file of the PKCS#8 private key of {@code clientCert}
   * @param serverName the name the frontend's certificate is checked against (and the TLS SNI),
   *     when it is not the host of {@code TEMPORAL_ADDRESS}
   */
  public record Tls(
      Boolean enabled, String caCert, String clientCert, String clientKey, String serverName) {}

  boolean hasApiKey() {
    return present(apiKey);
  }

  static boolean present(String value) {
    return value != null && !value.isBlank();
  }
}

package org.metagov.api.config;

import static org.metagov.api.config.TemporalConnectionProperties.present;

import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.metagov.api.config.TemporalConnectionProperties.Tls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link TemporalConnectionProperties} to the stubs the Temporal starter builds for a real
 * frontend: TLS with the system's or a given CA, a client certificate (mTLS), a server name, and a
 * Temporal Cloud API key. The starter's own {@code spring.temporal.connection.mtls} settings cannot
 * trust a private CA, and take a server name only together with a client certificate; this covers
 * both. With nothing configured it changes nothing. The in-process test server of the embedded run
 * never goes through it.
 */
public class TemporalConnectionSecurity
    implements TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> {

  private static final Logger log = LoggerFactory.getLogger(TemporalConnectionSecurity.class);

  private final TemporalConnectionProperties connection;

  public TemporalConnectionSecurity(TemporalConnectionProperties connection) {
    this.connection = connection;
  }

  @Override
  public WorkflowServiceStubsOptions.Builder customize(
      WorkflowServiceStubsOptions.Builder builder) {
    Tls tls = connection.tls();
    boolean clientCert = present(tls.clientCert());
    if (clientCert != present(tls.clientKey())) {
      throw new IllegalStateException(
          "Mutual TLS to Temporal needs both TEMPORAL_TLS_CLIENT_CERT and "
              + "TEMPORAL_TLS_CLIENT_KEY; only "
              + (clientCert ? "the certificate" : "the key")
              + " is set.");
    }
    boolean implied =
        connection.hasApiKey() || present(tls.caCert()) || clientCert || present(tls.serverName());
    if (Boolean.FALSE.equals(tls.enabled()) && implied) {
      throw new IllegalStateException(
          "TEMPORAL_TLS is false, but an API key or a TLS setting is given: the API key "
              + "would cross the network in clear text. Remove TEMPORAL_TLS=false or the other settings.");
    }
    if (!(Boolean.TRUE.equals(tls.enabled()) || implied)) {
      return builder;
    }
    List<String> summary = new ArrayList<>();
    if (present(tls.caCert()) || clientCert) {
      builder.setSslContext(sslContext(tls));
      summary.add(
          present(tls.caCert())
              ? "trusting the CA certificates in " + tls.caCert()
              : "trusting the JVM's CAs");
      if (clientCert) {
        summary.add("client certificate " + tls.clientCert());
      }
    } else {
      builder.setEnableHttps(true);
      summary.add("trusting the JVM's CAs");
    }
    if (present(tls.serverName())) {
      String serverName = tls.serverName().strip();
      builder.setChannelInitializer(channel -> channel.overrideAuthority(serverName));
      summary.add("server name " + serverName);
    }
    if (connection.hasApiKey()) {
      String apiKey = connection.apiKey().strip();
      builder.addApiKey(() -> apiKey);
      summary.add("API key");
    }
    log.info("Connecting to Temporal over TLS ({})", String.join(", ", summary));
    return builder;
  }

  private static io.grpc.netty.shaded.io.netty.handler.ssl.SslContext sslContext(Tls tls) {
    try (InputStream chain = open(tls.clientCert(), "TEMPORAL_TLS_CLIENT_CERT");
        InputStream key = open(tls.clientKey(), "TEMPORAL_TLS_CLIENT_KEY")) {
      SimpleSslContextBuilder ssl =
          chain == null
              ? SimpleSslContextBuilder.noKeyOrCertChain()
              : SimpleSslContextBuilder.forPKCS8(chain, key);
      if (present(tls.caCert())) {
        ssl.setTrustManager(trusting(tls.caCert()));
      }
      return ssl.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "Cannot set up TLS to Temporal from TEMPORAL_TLS_CLIENT_CERT and "
              + "TEMPORAL_TLS_CLIENT_KEY (a PEM certificate chain and a PKCS#8 PEM key): "
              + e.getMessage(),
          e);
    }
  }

  private static InputStream open(String file, String variable) throws IOException {
    if (!present(file)) {
      return null;
    }
    try {
      return Files.newInputStream(Path.of(file.strip()));
    } catch (IOException e) {
      throw new IllegalStateException(variable + " names a file that cannot be read: " + file, e);
    }
  }

  private static X509TrustManager trusting(String caFile) {
    try (InputStream pem = open(caFile, "TEMPORAL_TLS_CA_CERT")) {
      Collection<? extends Certificate> certificates =
          CertificateFactory.getInstance("X.509").generateCertificates(pem);
      if (certificates.isEmpty()) {
        throw new IllegalStateException("TEMPORAL_TLS_CA_CERT holds no PEM certificate: " + caFile);
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) {
        store.setCertificateEntry("temporal-ca-" + i++, certificate);
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509TrustManager x509) {
          return x509;
        }
      }
      throw new IllegalStateException("The JVM offers no X.509 trust manager");
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException(
          "TEMPORAL_TLS_CA_CERT cannot be read as PEM certificates: " + caFile, e);
    }
  }
}

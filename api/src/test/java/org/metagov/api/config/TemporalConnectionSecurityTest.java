package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.spring.boot.autoconfigure.ServiceStubsAutoConfiguration;
import io.temporal.testing.TestWorkflowEnvironment;
import java.io.File;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.metagov.api.process.SearchAttributeSupport;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The connection to a Temporal frontend over TLS, built the way the application builds it: {@code
 * application.yml} with environment variables (given here as properties of the same name, which its
 * placeholders read first), {@link EmbeddedDefaultsEnvironment}, the starter's stubs
 * auto-configuration and {@link TemporalConfiguration}. The frontend is {@link FakeTlsFrontend}, a
 * TLS-only gRPC server on 127.0.0.1 with certificates signed by a test CA.
 */
@ExtendWith(OutputCaptureExtension.class)
class TemporalConnectionSecurityTest {

  private static final String API_KEY = "tmprl-test-api-key-5f0c1e";
  private static FakeTlsFrontend frontend;
  private int callsBefore;

  private final ApplicationContextRunner app =
      new ApplicationContextRunner()
          // What SpringApplication sets up before the beans: conversions (such as "10s" to a
          // Duration) and the config data.
          .withInitializer(
              context ->
                  context
                      .getBeanFactory()
                      .setConversionService(ApplicationConversionService.getSharedInstance()))
          .withInitializer(new ConfigDataApplicationContextInitializer())
          .withInitializer(
              context ->
                  new EmbeddedDefaultsEnvironment()
                      .postProcessEnvironment(context.getEnvironment(), null))
          .withConfiguration(AutoConfigurations.of(ServiceStubsAutoConfiguration.class))
          // The data converter's codec, with a key of its own (the application's KeyRing would ask
          // for METAGOV_SECRET_KEY).
          .withUserConfiguration(TemporalConfiguration.class);

  @BeforeAll
  static void startFrontend() throws Exception {
    frontend = new FakeTlsFrontend(file("server.crt"), file("server.key"), file("ca.crt"));
  }

  @AfterAll
  static void stopFrontend() throws InterruptedException {
    frontend.close();
  }

  @BeforeEach
  void rememberCalls() {
    callsBefore = frontend.calls().size();
  }

  @Test
  void tlsWithThePrivateCaConnectsWithoutClientCertificateOrKey() {
    app.withPropertyValues(env("TEMPORAL_TLS=true", "TEMPORAL_TLS_CA_CERT=" + file("ca.crt")))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(systemInfo(context.getBean(WorkflowServiceStubs.class)))
                  .isEqualTo("fake-tls-frontend");
            });
    assertThat(newCalls())
        .isNotEmpty()
        .allSatisfy(
            call -> {
              assertThat(call.tls()).isTrue();
              assertThat(call.clientCertificate()).isNull();
              assertThat(call.authorization()).isNull();
            });
  }

  @Test
  void mutualTlsPresentsTheClientCertificate() {
    app.withPropertyValues(
            env(
                "TEMPORAL_TLS_CA_CERT=" + file("ca.crt"),
                "TEMPORAL_TLS_CLIENT_CERT=" + file("client.crt"),
                "TEMPORAL_TLS_CLIENT_KEY=" + file("client.key")))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(systemInfo(context.getBean(WorkflowServiceStubs.class)))
                  .isEqualTo("fake-tls-frontend");
            });
    assertThat(newCalls())
        .isNotEmpty()
        .allSatisfy(
            call -> assertThat(call.clientCertificate()).isEqualTo("CN=metagov-test-worker"));
  }

  @Test
  void anApiKeyIsSentAsBearerTokenOverTlsAndNeverLogged(CapturedOutput output) {
    app.withPropertyValues(
            env("TEMPORAL_API_KEY=" + API_KEY, "TEMPORAL_TLS_CA_CERT=" + file("ca.crt")))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(systemInfo(context.getBean(WorkflowServiceStubs.class)))
                  .isEqualTo("fake-tls-frontend");
            });
    assertThat(newCalls())
        .isNotEmpty()
        .allSatisfy(
            call -> {
              assertThat(call.tls()).isTrue();
              assertThat(call.authorization()).isEqualTo("Bearer " + API_KEY);
            });
    assertThat(output).contains("Connecting to Temporal over TLS").doesNotContain(API_KEY);
  }

  @Test
  void theSearchAttributeCheckCarriesTheApiKeyToo() {
    app.withPropertyValues(
            env("TEMPORAL_API_KEY=" + API_KEY, "TEMPORAL_TLS_CA_CERT=" + file("ca.crt")))
        .run(
            context -> {
              WorkflowClient client =
                  WorkflowClient.newInstance(context.getBean(WorkflowServiceStubs.class));
              SearchAttributeSupport support =
                  new SearchAttributeSupport(
                      client, context.getBeanProvider(TestWorkflowEnvironment.class));
              assertThat(support.registered())
                  .as("the fake frontend has none registered")
                  .isFalse();
            });
    assertThat(newCalls())
        .filteredOn(call -> call.method().equals("ListSearchAttributes"))
        .singleElement()
        .satisfies(call -> assertThat(call.authorization()).isEqualTo("Bearer " + API_KEY));
  }

  @Test
  void withoutThePrivateCaTheHandshakeFails() {
    app.withPropertyValues(env("TEMPORAL_TLS=true"))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThatThrownBy(() -> systemInfo(context.getBean(WorkflowServiceStubs.class)))
                  .isInstanceOfSatisfying(
                      StatusRuntimeException.class,
                      e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance);
                      });
            });
    assertThat(newCalls()).as("calls that reached the frontend").isEmpty();
  }

  @Test
  void theServerNameReplacesTheAddressHostInTheCertificateCheck() {
    app.withPropertyValues(
            env("TEMPORAL_TLS_CA_CERT=" + file("ca.crt"), "TEMPORAL_TLS_SERVER_NAME=localhost"))
        .run(
            context ->
                assertThat(systemInfo(context.getBean(WorkflowServiceStubs.class)))
                    .isEqualTo("fake-tls-frontend"));
    // The certificate is valid for 127.0.0.1, the address's host: only the configured name can make
    // it fail.
    app.withPropertyValues(
            env(
                "TEMPORAL_TLS_CA_CERT=" + file("ca.crt"),
                "TEMPORAL_TLS_SERVER_NAME=temporal.example.invalid"))
        .run(
            context ->
                assertThatThrownBy(() -> systemInfo(context.getBean(WorkflowServiceStubs.class)))
                    .isInstanceOf(StatusRuntimeException.class)
                    .hasRootCauseInstanceOf(java.security.cert.CertificateException.class));
  }

  @Test
  void contradictoryOrIncompleteSettingsStopTheStart() {
    app.withPropertyValues(env("TEMPORAL_TLS=false", "TEMPORAL_API_KEY=" + API_KEY))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("TEMPORAL_TLS is false")
                    .hasMessageNotContaining(API_KEY));
    app.withPropertyValues(env("TEMPORAL_TLS_CLIENT_CERT=" + file("client.crt")))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("TEMPORAL_TLS_CLIENT_KEY"));
    app.withPropertyValues(env("TEMPORAL_TLS_CA_CERT=/nonexistent/ca.crt"))
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining("/nonexistent/ca.crt"));
  }

  /**
   * The frontend's address plus the given environment variables, as the application's placeholders
   * read them.
   */
  private static String[] env(String... variables) {
    List<String> all = new ArrayList<>(List.of(variables));
    all.add("TEMPORAL_ADDRESS=" + frontend.address());
    return all.toArray(String[]::new);
  }

  private static String systemInfo(WorkflowServiceStubs stubs) {
    return stubs
        .blockingStub()
        .getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
        .getServerVersion();
  }

  private List<FakeTlsFrontend.Call> newCalls() {
    List<FakeTlsFrontend.Call> all = frontend.calls();
    return all.subList(callsBefore, all.size());
  }

  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static File file(String name) {
    try {
      return new File(
          TemporalConnectionSecurityTest.class.getResource("/temporal-tls/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

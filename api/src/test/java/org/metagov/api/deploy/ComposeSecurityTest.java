package org.metagov.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Guards the "closed by default" properties of the compose deployment (docker-compose.yml,
 * .env.example, .gitignore and deploy/postgres-init.sql at the repository root) against
 * regressions. Nothing here runs Docker: the files are read and the compose file is parsed as YAML.
 */
class ComposeSecurityTest {

  /**
   * Settings without which `docker compose` must refuse to start: they are secrets with no safe
   * default.
   */
  static final List<String> REQUIRED =
      List.of(
          "POSTGRES_PASSWORD",
          "TEMPORAL_DB_PASSWORD",
          "METAGOV_DB_PASSWORD",
          "METAGOV_SECRET_KEY",
          "DRIVER_API_TOKENS",
          "METAGOV_SIGNING_SECRET");

  private static Path root;
  private static String composeText;
  private static Map<String, Map<String, Object>> services;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void readComposeFile() throws IOException {
    // Maven runs the tests in the api module's directory; the deployment files are one level up.
    root = Path.of("..").toAbsolutePath().normalize();
    Path compose = root.resolve("docker-compose.yml");
    assertThat(compose).as("the repository root's compose file").exists();
    composeText = Files.readString(compose);
    Map<String, Object> document = new Yaml().load(composeText);
    services = (Map<String, Map<String, Object>>) document.get("services");
    assertThat(services)
        .containsKeys(
            "postgresql",
            "postgres-setup",
            "temporal-schema-setup",
            "temporal",
            "temporal-namespace-setup",
            "temporal-ui",
            "app");
  }

  @Test
  void everyPublishedPortIsBoundToLoopback() {
    services.forEach(
        (name, service) -> {
          for (Object port : list(service.get("ports"))) {
            if (port instanceof Map<?, ?> longSyntax) {
              assertThat(String.valueOf(longSyntax.get("host_ip")))
                  .as("host_ip of %s", name)
                  .isIn("127.0.0.1", "::1");
            } else {
              // Without an address ("8080:8080", "8080") Docker publishes on every interface.
              assertThat(String.valueOf(port))
                  .as("a port of %s", name)
                  .matches("(127\\.0\\.0\\.1|\\[::1\\]):.+:.+");
            }
          }
        });
    assertThat(publishedContainerPorts("temporal")).containsExactly("7233");
    assertThat(publishedContainerPorts("temporal-ui")).containsExactly("8080");
  }

  @Test
  void managementPortAndTemporalMetricsAreNotPublished() {
    Map<String, Object> app = services.get("app");
    String managementPort = String.valueOf(environment("app").get("MANAGEMENT_PORT"));
    assertThat(managementPort).isEqualTo("8081");
    assertThat(publishedContainerPorts("app")).containsExactly("8000");
    assertThat(String.valueOf(((Map<?, ?>) app.get("healthcheck")).get("test")))
        .contains("http://localhost:" + managementPort + "/actuator/health");

    String metrics = String.valueOf(environment("temporal").get("PROMETHEUS_ENDPOINT"));
    assertThat(metrics).startsWith("0.0.0.0:");
    String metricsPort = metrics.substring(metrics.indexOf(':') + 1);
    services
        .keySet()
        .forEach(
            name ->
                assertThat(publishedContainerPorts(name))
                    .as("published by %s", name)
                    .doesNotContain(managementPort, metricsPort, "5432"));
  }

  @Test
  void secretsHaveNoDefaultAndStopComposeWhenMissing() {
    for (String variable : REQUIRED) {
      Matcher reference = Pattern.compile("\\$\\{" + variable + "([^}]*)}").matcher(composeText);
      List<String> modifiers = new ArrayList<>();
      while (reference.find()) {
        modifiers.add(reference.group(1));
      }
      assertThat(modifiers)
          .as("references to %s", variable)
          .isNotEmpty()
          .allSatisfy(
              modifier -> assertThat(modifier).as("${%s%s}", variable, modifier).startsWith(":?"));
    }
  }

  @Test
  void temporalAndTheAppConnectAsTheirOwnRolesNotAsTheSuperuser() throws IOException {
    assertThat(environment("app").get("SPRING_DATASOURCE_USERNAME")).isEqualTo("metagov_app");
    assertThat(environment("temporal").get("POSTGRES_USER")).isEqualTo("temporal");
    assertThat(environment("temporal-schema-setup").get("SQL_USER")).isEqualTo("temporal");
    assertThat(String.valueOf(environment("postgresql").get("POSTGRES_USER")))
        .doesNotContain("temporal", "metagov_app");
    assertThat(environment("app")).doesNotContainKey("POSTGRES_PASSWORD");
    assertThat(environment("temporal")).doesNotContainKey("POSTGRES_PASSWORD");

    String init = Files.readString(root.resolve("deploy/postgres-init.sql"));
    for (String role : List.of("temporal", "metagov_app")) {
      assertThat(init)
          .containsPattern(
              "ALTER ROLE " + role + " WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE");
    }
    assertThat(init)
        .contains("REVOKE ALL ON DATABASE temporal, temporal_visibility, metagov FROM PUBLIC");
  }

  @Test
  void theEnvFileIsIgnoredAndTheExampleHoldsNoSecret() throws IOException {
    assertThat(Files.readAllLines(root.resolve(".gitignore"))).contains(".env");
    String example = Files.readString(root.resolve(".env.example"));
    for (String variable : REQUIRED) {
      assertThat(example).as(".env.example").containsPattern("(?m)^" + variable + "=$");
    }
  }

  @Test
  void oneShotJobsRetryAndTheAppIsBounded() {
    for (String job :
        List.of("postgres-setup", "temporal-schema-setup", "temporal-namespace-setup")) {
      assertThat(String.valueOf(services.get(job).get("restart")))
          .as("restart of %s", job)
          .startsWith("on-failure");
    }
    Map<String, Object> app = services.get("app");
    assertThat(app).containsKeys("mem_limit", "stop_grace_period");
    assertThat(String.valueOf(environment("app").get("JAVA_TOOL_OPTIONS")))
        .contains("-XX:+ExitOnOutOfMemoryError", "-XX:MaxRAMPercentage=");
    assertThat(environment("app").get("DELIVERY_DENY_PRIVATE_NETWORKS"))
        .isEqualTo("${DELIVERY_DENY_PRIVATE_NETWORKS:-true}");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> environment(String service) {
    return (Map<String, Object>) services.get(service).get("environment");
  }

  /** The container ports a service publishes on the host. */
  private static List<String> publishedContainerPorts(String service) {
    List<String> ports = new ArrayList<>();
    for (Object port : list(services.get(service).get("ports"))) {
      if (port instanceof Map<?, ?> longSyntax) {
        ports.add(String.valueOf(longSyntax.get("target")));
      } else {
        String text = String.valueOf(port);
        ports.add(text.substring(text.lastIndexOf(':') + 1).replaceFirst("/.*", ""));
      }
    }
    return ports;
  }

  private static List<?> list(Object value) {
    return value == null ? List.of() : (List<?>) value;
  }
}

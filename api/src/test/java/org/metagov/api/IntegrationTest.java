package org.metagov.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.testing.TestWorkflowEnvironment;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.metagov.activities.json.Json;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import tools.jackson.databind.JsonNode;

/**
 * Base of every Spring Boot integration test: the whole application on a random port, with the
 * embedded PostgreSQL and the in-process Temporal test server (the application's defaults), plus
 * the settings in {@code application-test.yml}. All subclasses share ONE cached Spring context, so
 * do not add context-changing annotations ({@code @TestPropertySource}, {@code @MockitoBean}, ...)
 * to subclasses; put shared test settings in {@code application-test.yml} instead.
 *
 * <p>Tests share one database too: give every test its own community with {@link
 * #uniqueSlug(String)}.
 */
@SpringBootTest(
    classes = MetagovApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public abstract class IntegrationTest {

  public static final String COMMUNITY_HEADER = "X-Metagov-Community";
  public static final String JSON = "application/json";
  public static final String PROBLEM_JSON = "application/problem+json";

  private static final AtomicLong SEQUENCE = new AtomicLong();

  /**
   * HTTP/1.1 only, so request bodies of unknown length go out chunked and nothing tries an h2c
   * upgrade.
   */
  protected static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @LocalServerPort protected int port;

  /** The embedded Temporal test server, whose clock tests skip forward. */
  @Autowired protected TestWorkflowEnvironment env;

  /**
   * Health and metrics are served on their own port (a random one in tests), never on {@link
   * #port}.
   */
  @LocalManagementPort protected int managementPort;

  /** A community slug no other test uses, such as {@code actions-3-k2x9}. */
  /**
   * A randomness vote {@code delay} (minutes) that ends about {@code minutes} from now on the
   * workflows' clock: the API adds the delay to the wall clock, which earlier skips have left
   * behind.
   */
  protected int delayMinutes(int minutes) {
    long skew = Math.max(0, env.currentTimeMillis() - System.currentTimeMillis());
    return minutes + (int) Duration.ofMillis(skew).toMinutes() + 1;
  }

  protected static String uniqueSlug(String prefix) {
    return prefix
        + "-"
        + SEQUENCE.incrementAndGet()
        + "-"
        + Long.toString(System.nanoTime() & 0xffffff, 36);
  }

  protected URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /**
   * A request builder for a path of this application, with a timeout so a hung request fails the
   * test.
   */
  protected HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
  }

  protected Response get(String path) {
    return send(request(path).GET());
  }

  /** A GET on the management port, such as {@code /actuator/health}. */
  protected Response managementGet(String path) {
    return send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
            .timeout(Duration.ofSeconds(30))
            .GET());
  }

  protected Response delete(String path) {
    return send(request(path).DELETE());
  }

  protected Response put(String path, String json) {
    return send("PUT", path, json);
  }

  protected Response post(String path, String json) {
    return send("POST", path, json);
  }

  /**
   * Sends {@code json} (null for no body) as application/json, with extra headers given as name,
   * value pairs.
   */
  protected Response send(String method, String path, String json, String... headers) {
    HttpRequest.Builder builder = request(path);
    if (json == null) {
      builder.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      builder
          .header("Content-Type", JSON)
          .method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      builder.header(headers[i], headers[i + 1]);
    }
    return send(builder);
  }

  /** Runs a plugin action for a community: {@code POST /api/internal/action/{qualifiedName}}. */
  protected Response action(String community, String qualifiedName, String body) {
    return send("POST", "/api/internal/action/" + qualifiedName, body, COMMUNITY_HEADER, community);
  }

  /** Creates (or replaces) a community with the given plugins JSON array, and asserts it worked. */
  protected JsonNode putCommunity(String slug, String pluginsJson) {
    Response response =
        put(
            "/api/internal/community/" + slug,
            "{\"name\": \""
                + slug
                + "\", \"readable_name\": \"Test "
                + slug
                + "\", \"plugins\": "
                + pluginsJson
                + "}");
    assertThat(response.status()).as(response.body()).isIn(200, 201);
    return response.json();
  }

  protected static Response send(HttpRequest.Builder builder) {
    try {
      HttpResponse<String> response =
          HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Parses JSON text (test data or an expected value). */
  protected static JsonNode json(String text) {
    return Json.parse(text);
  }

  /**
   * Asserts an RFC 9457 problem document: the status, {@code application/problem+json}, the machine
   * code, a title and a detail sentence, and no stack trace. Returns the document for further
   * assertions.
   */
  protected static JsonNode assertProblem(Response response, int status, String code) {
    assertThat(response.status()).as("status of %s", response.body()).isEqualTo(status);
    assertThat(response.contentType()).as("content type").startsWith(PROBLEM_JSON);
    JsonNode problem = response.json();
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    assertThat(problem.path("code").asString()).as("code of %s", response.body()).isEqualTo(code);
    assertThat(problem.path("title").asString("")).isNotBlank();
    assertThat(problem.path("detail").asString("")).isNotBlank();
    assertThat(response.body())
        .doesNotContain("Exception")
        .doesNotContain("\tat ")
        .doesNotContain("at org.");
    return problem;
  }

  /** The {@code path} of each entry of a problem's {@code errors}. */
  protected static java.util.List<String> errorPaths(JsonNode problem) {
    java.util.List<String> paths = new java.util.ArrayList<>();
    problem.path("errors").forEach(e -> paths.add(e.path("path").asString()));
    return paths;
  }

  /** An HTTP answer with its body as text. */
  public record Response(int status, HttpHeaders headers, String body) {

    public JsonNode json() {
      return Json.parse(body);
    }

    public String contentType() {
      return headers.firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }
  }
}

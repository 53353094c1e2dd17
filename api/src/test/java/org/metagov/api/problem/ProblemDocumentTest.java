package org.metagov.api.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * Transport-level client mistakes: wrong method, wrong content type, oversized bodies (with
 * Content-Length and chunked), unknown paths. Each answers a 4xx problem document, never a 5xx.
 */
class ProblemDocumentTest extends IntegrationTest {

  /** The default {@code metagov.http.max-body-size}. */
  private static final int LIMIT = 1024 * 1024;

  /** A syntactically plausible community body of about {@code size} bytes. */
  private static byte[] bigCommunityBody(String slug, int size) {
    StringBuilder body = new StringBuilder("{\"name\": \"" + slug + "\", \"readable_name\": \"");
    body.append("a".repeat(size));
    body.append("\", \"plugins\": []}");
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void wrongMethodIs405WithAllow() {
    String slug = uniqueSlug("method");
    putCommunity(slug, "[]");
    Response response = send("PATCH", "/api/internal/community/" + slug, "{}");
    assertProblem(response, 405, "method_not_allowed");
    assertThat(response.header("Allow")).contains("GET").contains("PUT").contains("DELETE");

    assertProblem(get("/api/internal/action/randomness.random-int"), 405, "method_not_allowed");
    assertProblem(send("DELETE", "/api/internal/plugins", null), 405, "method_not_allowed");
    assertProblem(send("PUT", "/api/internal/community", "{}"), 405, "method_not_allowed");
  }

  @Test
  void wrongContentTypeIs415() {
    String slug = uniqueSlug("media");
    Response response =
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"plugins\": []}")));
    JsonNode problem = assertProblem(response, 415, "unsupported_media_type");
    assertThat(problem.path("detail").asString()).contains("application/json");
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(404);

    putCommunity(slug, "[{\"name\": \"randomness\"}]");
    assertProblem(
        send(
            request("/api/internal/action/randomness.random-int")
                .header(COMMUNITY_HEADER, slug)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("parameters=1"))),
        415,
        "unsupported_media_type");
    assertProblem(
        send(
            request("/api/internal/community")
                .header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<community/>"))),
        415,
        "unsupported_media_type");
  }

  @Test
  void aBodyOverTheLimitWithContentLengthIs413() {
    String slug = uniqueSlug("large");
    byte[] body = bigCommunityBody(slug, LIMIT + 10_000);
    Response response =
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body)));
    assertProblem(response, 413, "payload_too_large");
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(404);
  }

  @Test
  void aChunkedBodyOverTheLimitIs413() {
    String slug = uniqueSlug("chunked");
    byte[] body = bigCommunityBody(slug, LIMIT + 10_000);
    // An InputStream publisher has no known length, so HTTP/1.1 sends it chunked (no
    // Content-Length).
    Response response =
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body))));
    assertProblem(response, 413, "payload_too_large");
    assertThat(get("/api/internal/community/" + slug).status()).isEqualTo(404);

    putCommunity(slug, "[{\"name\": \"randomness\"}]");
    byte[] action =
        ("{\"parameters\": {\"low\": 1, \"padding\": \"" + "b".repeat(LIMIT) + "\"}}")
            .getBytes(StandardCharsets.UTF_8);
    assertProblem(
        send(
            request("/api/internal/action/randomness.random-int")
                .header("Content-Type", JSON)
                .header(COMMUNITY_HEADER, slug)
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(action)))),
        413,
        "payload_too_large");
  }

  @Test
  void aBodyJustUnderTheLimitIsAccepted() {
    String slug = uniqueSlug("almost");
    // readable_name is limited to 500 characters, so a large body fails validation, not the size
    // limit.
    byte[] body = bigCommunityBody(slug, LIMIT - 1_000);
    Response response =
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(body))));
    assertThat(errorPaths(assertProblem(response, 400, "validation_failed")))
        .containsExactly("readable_name");
  }

  @Test
  void anEmptyBodyWhereOneIsRequiredIs400() {
    String slug = uniqueSlug("empty");
    assertProblem(
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(HttpRequest.BodyPublishers.noBody())),
        400,
        "malformed_json");
    assertProblem(
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(HttpRequest.BodyPublishers.ofString("   "))),
        400,
        "malformed_json");
  }

  @Test
  void anUnknownPathIs404() {
    assertProblem(get("/api/internal/nothing-here"), 404, "not_found");
    assertProblem(send("POST", "/api/internal/nothing-here", "{}"), 404, "not_found");
  }

  @Test
  void invalidUtf8OrBinaryIsAClientMistake() {
    String slug = uniqueSlug("binary");
    Response response =
        send(
            request("/api/internal/community/" + slug)
                .header("Content-Type", JSON)
                .PUT(
                    HttpRequest.BodyPublishers.ofByteArray(
                        new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, '{'})));
    assertThat(response.status()).isEqualTo(400);
    assertProblem(response, 400, "malformed_json");
  }
}

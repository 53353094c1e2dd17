package org.metagov.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.metagov.api.problem.ApiException;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.JsonNode;

/**
 * The codec endpoint the Temporal UI and CLI use: operators' bearer token required, CORS for the
 * UI's origin only, encode and decode per Temporal's codec server protocol, and problem documents
 * for bad input.
 */
class CodecEndpointTest extends IntegrationTest {

  static final String TOKEN = "codec-operator-token-0123456789";
  static final String UI = "http://localhost:8080";

  static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  static String unb64(JsonNode node) {
    return new String(Base64.getDecoder().decode(node.asString()), StandardCharsets.UTF_8);
  }

  Response codec(String operation, String body, String... headers) {
    return send("POST", "/codec/" + operation, body, headers);
  }

  Response asOperator(String operation, String body) {
    return codec(operation, body, "Authorization", "Bearer " + TOKEN, "X-Namespace", "default");
  }

  static String payloads(String encoding, String data) {
    return "{\"payloads\": [{\"metadata\": {\"encoding\": \""
        + b64(encoding)
        + "\"}, \"data\": \""
        + b64(data)
        + "\"}]}";
  }

  @Test
  void anOperatorTokenIsRequired() {
    String body = payloads("json/plain", "\"x\"");
    Response missing = codec("decode", body);
    assertProblem(missing, 401, "missing_credentials");
    assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
    assertProblem(
        codec("encode", body, "Authorization", "Bearer not-the-operator-token"),
        401,
        "bad_credentials");
    assertProblem(
        codec("decode", body, "Authorization", "Basic " + b64("operator:" + TOKEN)),
        401,
        "missing_credentials");
  }

  @Test
  void encodeThenDecodeGivesThePayloadsBack() {
    String parameters =
        "{\"callback_url\":\"https://driver.example.org/r?token=s3cr3t\",\"options\":[\"yes\",\"no\"]}";
    Response encoded =
        asOperator(
            "encode",
            payloads("json/plain", parameters)
                .replace(
                    "]}", ", {\"metadata\": {\"encoding\": \"" + b64("binary/null") + "\"}}]}"));

    assertThat(encoded.status()).as(encoded.body()).isEqualTo(200);
    assertThat(encoded.contentType()).startsWith("application/json");
    assertThat(encoded.body()).doesNotContain("s3cr3t").doesNotContain(b64(parameters));
    JsonNode sealed = encoded.json().path("payloads");
    assertThat(sealed).hasSize(2);
    assertThat(unb64(sealed.get(0).path("metadata").path("encoding")))
        .isEqualTo("binary/encrypted");
    assertThat(unb64(sealed.get(0).path("metadata").path("encryption-key-id"))).hasSize(8);

    Response decoded = asOperator("decode", encoded.body());
    assertThat(decoded.status()).as(decoded.body()).isEqualTo(200);
    JsonNode opened = decoded.json().path("payloads");
    assertThat(unb64(opened.get(0).path("metadata").path("encoding"))).isEqualTo("json/plain");
    assertThat(unb64(opened.get(0).path("data"))).isEqualTo(parameters);
    assertThat(unb64(opened.get(1).path("metadata").path("encoding"))).isEqualTo("binary/null");
    assertThat(opened.get(1).has("data")).isFalse();
  }

  @Test
  void unencryptedPayloadsDecodeAsTheyAre() {
    Response decoded = asOperator("decode", payloads("json/plain", "{\"title\":\"Adopt X\"}"));
    assertThat(decoded.status()).as(decoded.body()).isEqualTo(200);
    assertThat(unb64(decoded.json().path("payloads").get(0).path("data")))
        .isEqualTo("{\"title\":\"Adopt X\"}");
    assertThat(asOperator("decode", "{\"payloads\": []}").json().path("payloads")).isEmpty();
  }

  @Test
  void badInputIsAProblemDocument() {
    assertProblem(asOperator("decode", "{not json"), 400, "malformed_payloads");
    assertProblem(
        asOperator("decode", "{\"payloads\": [{\"data\": \"not base64!\"}]}"),
        400,
        "malformed_payloads");
    assertProblem(asOperator("decode", "{\"payloads\": \"none\"}"), 400, "malformed_payloads");
    assertProblem(asOperator("encode", null), 400, "malformed_payloads");

    Response encoded = asOperator("encode", payloads("json/plain", "\"secret\""));
    JsonNode payload = encoded.json().path("payloads").get(0);
    byte[] data = Base64.getDecoder().decode(payload.path("data").asString());
    data[data.length - 1] ^= 1;
    String tampered =
        "{\"payloads\": [{\"metadata\": "
            + payload.path("metadata")
            + ", \"data\": \""
            + Base64.getEncoder().encodeToString(data)
            + "\"}]}";
    assertThat(
            assertProblem(asOperator("decode", tampered), 400, "payload_not_decodable")
                .path("detail")
                .asString())
        .contains("does not decrypt");
    String unknownKey =
        "{\"payloads\": [{\"metadata\": {\"encoding\": \""
            + b64("binary/encrypted")
            + "\", "
            + "\"encryption-key-id\": \""
            + b64("0badc0de")
            + "\"}, \"data\": \""
            + payload.path("data").asString()
            + "\"}]}";
    assertThat(
            assertProblem(asOperator("decode", unknownKey), 400, "payload_not_decodable")
                .path("detail")
                .asString())
        .contains("0badc0de")
        .contains("METAGOV_PREVIOUS_SECRET_KEYS");
  }

  @Test
  void theTemporalUiMayCallItFromTheBrowserAndOtherOriginsMayNot() {
    Response preflight =
        send(
            request("/codec/decode")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", UI)
                .header("Access-Control-Request-Method", "POST")
                .header(
                    "Access-Control-Request-Headers", "authorization,content-type,x-namespace"));
    assertThat(preflight.status()).as(preflight.body()).isEqualTo(200);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(UI);
    assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST");
    assertThat(preflight.header("Access-Control-Allow-Headers").toLowerCase())
        .contains("authorization")
        .contains("content-type")
        .contains("x-namespace");

    Response call =
        codec(
            "decode",
            payloads("json/plain", "1"),
            "Origin",
            UI,
            "Authorization",
            "Bearer " + TOKEN);
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Access-Control-Allow-Origin")).isEqualTo(UI);
    Response refused = codec("decode", payloads("json/plain", "1"), "Origin", UI);
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("Access-Control-Allow-Origin"))
        .as("the UI can read why")
        .isEqualTo(UI);

    Response otherPreflight =
        send(
            request("/codec/decode")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST"));
    assertThat(otherPreflight.status()).isEqualTo(403);
    assertThat(otherPreflight.header("Access-Control-Allow-Origin")).isNull();
    Response otherCall =
        codec(
            "decode",
            payloads("json/plain", "1"),
            "Origin",
            "https://evil.example",
            "Authorization",
            "Bearer " + TOKEN);
    assertThat(otherCall.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  void aBrowserSignsInOnceAndTheTemporalUiThenSendsItsCookie() {
    Response form = get("/codec/session");
    assertThat(form.status()).isEqualTo(200);
    assertThat(form.contentType()).startsWith("text/html");
    assertThat(form.body())
        .contains("<form method=\"post\"")
        .contains("name=\"token\"")
        .doesNotContain(TOKEN);

    assertProblem(signIn("not-the-operator-token"), 401, "bad_credentials");
    Response signedIn = signIn(TOKEN);
    assertThat(signedIn.status()).as(signedIn.body()).isEqualTo(200);
    assertThat(signedIn.body()).doesNotContain(TOKEN);
    String cookie = signedIn.header("Set-Cookie");
    assertThat(cookie)
        .startsWith("metagov-codec=")
        .contains("Path=/codec")
        .contains("HttpOnly")
        .contains("SameSite=Strict")
        .contains("Max-Age=28800")
        .doesNotContain(TOKEN);

    Response decoded =
        codec(
            "decode",
            payloads("json/plain", "1"),
            "Origin",
            UI,
            "Cookie",
            cookie.substring(0, cookie.indexOf(';')));
    assertThat(decoded.status()).as(decoded.body()).isEqualTo(200);
    assertThat(decoded.header("Access-Control-Allow-Origin")).isEqualTo(UI);
    assertThat(decoded.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertProblem(
        codec(
            "decode",
            payloads("json/plain", "1"),
            "Cookie",
            "metagov-codec=" + CodecSessionController.cookieValue("forged-token-0123456789")),
        401,
        "bad_credentials");
    assertProblem(
        codec("decode", payloads("json/plain", "1"), "Cookie", "metagov-codec=%%%"),
        401,
        "missing_credentials");
  }

  private Response signIn(String token) {
    return send(
        request("/codec/session")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "token=" + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8))));
  }

  @Test
  void withoutOperatorTokensTheEndpointIsOff() {
    PayloadEncryptionCodec codec =
        PayloadEncryptionCodecTest.codec(PayloadEncryptionCodecTest.NEW_KEY, "");
    CodecController off =
        new CodecController(codec, new OperatorTokens(new CodecProperties(List.of(), List.of(UI))));
    MockHttpServletRequest request = new MockHttpServletRequest("POST", "/codec/decode");
    request.addHeader("Authorization", "Bearer " + TOKEN);

    assertThatThrownBy(
            () -> off.decode(payloads("json/plain", "1"), request, new MockHttpServletResponse()))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo("codec_disabled"))
        .hasMessageContaining("METAGOV_CODEC_TOKENS");
    assertThatThrownBy(() -> new OperatorTokens(new CodecProperties(List.of("short"), List.of(UI))))
        .hasMessageContaining("at least 16 characters");
  }
}

package org.metagov.api.process;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A fake Discourse forum with the poll plugin (WireMock on 127.0.0.1), answering in the shapes the
 * Discourse plugin tests use: the poll is post 123 in topic 45.
 */
public final class FakeDiscourse {

  public static final String API_KEY = "discourse-api-key-xyz";
  public static final String WEBHOOK_SECRET = "hook-secret-abc";
  public static final long POST_ID = 123;
  public static final long TOPIC_ID = 45;
  public static final String TITLE = "Should we adopt policy X?";

  public final WireMockServer server;

  public FakeDiscourse() {
    server = ProcessTestSupport.localWireMock();
  }

  public String baseUrl() {
    return server.baseUrl();
  }

  public void stop() {
    server.stop();
  }

  /** The community config of the discourse plugin for this fake. */
  public String pluginJson() {
    return "{\"name\": \"discourse\", \"config\": {\"server_url\": \""
        + baseUrl()
        + "\", \"api_key\": \""
        + API_KEY
        + "\", \"webhook_secret\": \""
        + WEBHOOK_SECRET
        + "\"}}";
  }

  /** A poll as in a post's {@code polls}; options Yes and No with these counts. */
  public static String pollJson(String status, long yes, long no) {
    return "{\"id\": 7, \"name\": \"poll\", \"type\": \"regular\", \"status\": \""
        + status
        + "\", \"public\": true,"
        + " \"results\": \"always\", \"options\": [{\"id\": \"b2c3\", \"html\": \"Yes\", \"votes\": "
        + yes
        + "},"
        + " {\"id\": \"d4e5\", \"html\": \"No\", \"votes\": "
        + no
        + "}], \"voters\": "
        + (yes + no)
        + ","
        + " \"chart_type\": \"bar\", \"title\": null}";
  }

  /** {@code GET /posts/123.json} (and the answer to the create) holding that poll. */
  public static String postJson(String poll) {
    return "{\"id\": "
        + POST_ID
        + ", \"topic_id\": "
        + TOPIC_ID
        + ", \"topic_slug\": \"should-we-adopt-policy-x\","
        + " \"post_number\": 1, \"username\": \"system\", \"user_id\": -1,"
        + " \"raw\": \"Please vote.\\n\\n[poll name=poll]\\n* Yes\\n* No\\n[/poll]\", \"cooked\": \"<p>Please vote.</p>\","
        + " \"polls\": ["
        + poll
        + "]}";
  }

  /** Creating the poll post succeeds, and reading it shows these counts. */
  public void acceptsPolls(long yes, long no) {
    server.stubFor(
        WireMock.post(urlEqualTo("/posts.json"))
            .willReturn(okJson(postJson(pollJson("open", 0, 0)))));
    shows(yes, no);
  }

  public void shows(long yes, long no) {
    server.stubFor(
        WireMock.get(urlEqualTo("/posts/" + POST_ID + ".json"))
            .willReturn(okJson(postJson(pollJson("open", yes, no)))));
  }

  public int postReads() {
    return server.findAll(getRequestedFor(urlEqualTo("/posts/" + POST_ID + ".json"))).size();
  }

  /** A {@code post_edited} webhook body about the poll's post, as Discourse sends it. */
  public static String postEvent(String raw) {
    return "{\"post\": {\"id\": "
        + POST_ID
        + ", \"name\": \"Alice\", \"username\": \"alice\", \"created_at\": \"2026-01-01T00:00:00.000Z\","
        + " \"cooked\": \"<p>"
        + raw
        + "</p>\", \"post_number\": 1, \"post_type\": 1, \"topic_id\": "
        + TOPIC_ID
        + ","
        + " \"topic_slug\": \"should-we-adopt-policy-x\", \"topic_title\": \""
        + TITLE
        + "\", \"raw\": \""
        + raw
        + "\"}}";
  }

  /**
   * {@code sha256=} and the hex HMAC-SHA256 of the raw body, as {@code
   * X-Discourse-Event-Signature}.
   */
  public static String signature(String secret, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256="
          + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The headers of a Discourse webhook delivery, as name, value pairs. */
  public String[] webhookHeaders(String eventId, String event, String signature) {
    return new String[] {
      "X-Discourse-Instance", baseUrl(),
      "X-Discourse-Event-Id", eventId,
      "X-Discourse-Event-Type", "post",
      "X-Discourse-Event", event,
      "X-Discourse-Event-Signature", signature
    };
  }
}

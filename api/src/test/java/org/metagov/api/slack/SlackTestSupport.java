package org.metagov.api.slack;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.metagov.api.process.ProcessTestSupport;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the Slack tests: the application with the deployment's Slack app pointed at one {@link
 * FakeSlack}, the install allow-list holding {@link #DRIVER_REDIRECT}, and the Driver's event
 * receiver and callbacks on a WireMock receiver. The Slack settings are deployment-wide, so these
 * tests share their own application context (every subclass inherits the same property source, so
 * they share one), apart from the other integration tests'.
 */
public abstract class SlackTestSupport extends ProcessTestSupport {

  public static final FakeSlack SLACK = new FakeSlack();
  protected static final WireMockServer DRIVER = localWireMock();
  protected static final String DRIVER_REDIRECT = "https://driver.example.org/slack/installed";

  @Autowired protected JdbcClient jdbc;

  @DynamicPropertySource
  static void slackApp(DynamicPropertyRegistry registry) {
    registry.add("metagov.apps.slack.client-id", () -> FakeSlack.CLIENT_ID);
    registry.add("metagov.apps.slack.client-secret", () -> FakeSlack.CLIENT_SECRET);
    registry.add("metagov.apps.slack.signing-secret", () -> FakeSlack.SIGNING_SECRET);
    registry.add("metagov.apps.slack.api-base-url", SLACK::apiBaseUrl);
    registry.add("metagov.apps.slack.authorize-url", SLACK::authorizeUrl);
    registry.add("metagov.install.redirect-uris", () -> DRIVER_REDIRECT);
    registry.add("metagov.driver.event-receiver-url", () -> DRIVER.baseUrl() + "/events");
  }

  @BeforeEach
  void driverAnswers() {
    DRIVER.stubFor(
        com.github.tomakehurst.wiremock.client.WireMock.post(urlPathMatching("/.*"))
            .willReturn(ok()));
  }

  /**
   * A community with the slack plugin configured by hand for a workspace the fake knows; returns
   * its bot token.
   */
  protected String communityWithSlack(String slug, String teamId) {
    String token = SLACK.tokenFor(teamId);
    putCommunity(
        slug,
        "[{\"name\": \"slack\", \"config\": {\"team_id\": \""
            + teamId
            + "\", \"team_name\": \""
            + teamId
            + " workspace\", \"bot_user_id\": \""
            + FakeSlack.botUser(teamId)
            + "\", \"bot_token\": \""
            + token
            + "\"}}]");
    return token;
  }

  /** A workspace id no other test uses. */
  protected static String uniqueTeam() {
    return "T0"
        + Long.toString(System.nanoTime() & 0xffffffffL, 36).toUpperCase(java.util.Locale.ROOT);
  }

  // --- webhooks
  // ------------------------------------------------------------------------------------

  /**
   * Posts to {@code /api/hooks/slack} with Slack's signature headers for the given time, or none
   * when it is null.
   */
  protected Response hook(
      String body, String contentType, Long timestamp, String signature, String... headers) {
    HttpRequest.Builder request =
        request("/api/hooks/slack")
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (timestamp != null) {
      request.header("X-Slack-Request-Timestamp", Long.toString(timestamp));
      request.header(
          "X-Slack-Signature",
          signature != null ? signature : signature(FakeSlack.SIGNING_SECRET, timestamp, body));
    }
    for (int i = 0; i + 1 < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return send(request);
  }

  /** An Events API request as Slack signs it now. */
  protected Response event(String body, String... headers) {
    return hook(body, "application/json", Instant.now().getEpochSecond(), null, headers);
  }

  /** An interactivity request (a form whose payload field holds the JSON) as Slack signs it now. */
  protected Response interaction(String payloadJson) {
    return hook(
        "payload=" + URLEncoder.encode(payloadJson, StandardCharsets.UTF_8),
        "application/x-www-form-urlencoded",
        Instant.now().getEpochSecond(),
        null);
  }

  protected static String signature(String secret, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest =
          mac.doFinal(("v0:" + timestamp + ":" + body).getBytes(StandardCharsets.UTF_8));
      return "v0=" + java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static String eventCallback(String teamId, String eventId, String eventJson) {
    return "{\"token\": \"verification-token-unused\", \"team_id\": \""
        + teamId
        + "\", \"api_app_id\": \"A0FAKEAPP\","
        + " \"event\": "
        + eventJson
        + ", \"type\": \"event_callback\", \"event_id\": \""
        + eventId
        + "\","
        + " \"event_time\": "
        + Instant.now().getEpochSecond()
        + ", \"authorizations\": [{\"team_id\": \""
        + teamId
        + "\", \"user_id\": \""
        + FakeSlack.botUser(teamId)
        + "\", \"is_bot\": true}]}";
  }

  /**
   * A button press (or menu choice, with {@code selected}) on a message, as Slack's block_actions
   * payload.
   */
  protected static String blockAction(
      String teamId,
      String user,
      String channel,
      String ts,
      String actionId,
      String value,
      boolean selected) {
    String action =
        "{\"action_id\": \""
            + actionId
            + "\", \"block_id\": \"b"
            + Math.abs(actionId.hashCode())
            + "\","
            + (selected
                ? " \"type\": \"static_select\", \"selected_option\": {\"text\": {\"type\": \"plain_text\", \"text\": \"x\"}, \"value\": \""
                    + value
                    + "\"},"
                : " \"type\": \"button\", \"text\": {\"type\": \"plain_text\", \"text\": \":one:\"}, \"value\": \""
                    + value
                    + "\",")
            + " \"action_ts\": \""
            + Instant.now().getEpochSecond()
            + "."
            + System.nanoTime() % 1_000_000
            + "\"}";
    return "{\"type\": \"block_actions\", \"user\": {\"id\": \""
        + user
        + "\", \"username\": \""
        + user.toLowerCase(java.util.Locale.ROOT)
        + "\", \"team_id\": \""
        + teamId
        + "\"}, \"api_app_id\": \"A0FAKEAPP\", \"token\": \"verification-token-unused\","
        + " \"container\": {\"type\": \"message\", \"message_ts\": \""
        + ts
        + "\", \"channel_id\": \""
        + channel
        + "\", \"is_ephemeral\": false},"
        + " \"trigger_id\": \"1.2.3\", \"team\": {\"id\": \""
        + teamId
        + "\", \"domain\": \"coop\"}, \"enterprise\": null,"
        + " \"is_enterprise_install\": false, \"channel\": {\"id\": \""
        + channel
        + "\", \"name\": \"votes\"},"
        + " \"message\": {\"type\": \"message\", \"ts\": \""
        + ts
        + "\", \"text\": \"vote\"}, \"state\": {\"values\": {}},"
        + " \"response_url\": \"https://hooks.slack.example/actions/"
        + teamId
        + "/1/x\", \"actions\": ["
        + action
        + "]}";
  }

  /** How many webhook receipts a community has. */
  protected int receipts(String community) {
    return jdbc.sql("select count(*) from webhook_receipt where community_slug = ?")
        .param(community)
        .query(Integer.class)
        .single();
  }

  // --- install
  // -------------------------------------------------------------------------------------

  /** {@code GET /auth/slack/authorize} as the Driver; the answer is not followed. */
  protected Response authorize(String community, String redirectUri, String state) {
    return send(
        request(
                "/auth/slack/authorize?community="
                    + enc(community)
                    + "&redirect_uri="
                    + enc(redirectUri)
                    + "&state="
                    + enc(state))
            .GET());
  }

  /**
   * Follows a redirect to the fake Slack's authorize page, which approves and redirects to the
   * callback.
   */
  protected static String approveAtSlack(String authorizeLocation) {
    assertThat(authorizeLocation).startsWith(SLACK.authorizeUrl());
    Response approved = send(HttpRequest.newBuilder(URI.create(authorizeLocation)).GET());
    assertThat(approved.status()).as(approved.body()).isEqualTo(302);
    return approved.header("Location");
  }

  /** {@code GET} of an absolute URL on this application (the callback Slack redirects to). */
  protected Response getAbsolute(String url) {
    URI uri = URI.create(url);
    return send(
        request(uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery()))
            .GET());
  }

  /**
   * The whole install as a browser goes through it; returns the callback's answer (a redirect to
   * the Driver).
   */
  protected Response install(String community, String teamId, String driverState) {
    SLACK.nextInstallInto(teamId, "Workspace " + teamId);
    Response authorized = authorize(community, DRIVER_REDIRECT, driverState);
    assertThat(authorized.status()).as(authorized.body()).isEqualTo(302);
    return getAbsolute(approveAtSlack(authorized.header("Location")));
  }

  /** The query parameters of a redirect's Location. */
  protected static Map<String, String> query(String location) {
    Map<String, String> params = new LinkedHashMap<>();
    String raw = URI.create(location).getRawQuery();
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int equals = pair.indexOf('=');
      params.put(
          URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8),
          URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
    }
    return params;
  }

  protected static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

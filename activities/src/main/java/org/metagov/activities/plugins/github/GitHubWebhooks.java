package org.metagov.activities.plugins.github;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.activities.plugin.WebhookSignatures;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The GitHub App's webhooks, for every installation at {@code /api/hooks/github}.
 *
 * <p><b>Signature.</b> GitHub sends {@code X-Hub-Signature-256: sha256=} and the hex HMAC-SHA256 of
 * the raw body under the app's webhook secret. GitHub signs no timestamp, so a captured delivery
 * could be replayed at any time; the receiver's identity (a hash of the signed body) makes such a
 * replay a duplicate.
 *
 * <p><b>Reading.</b> Each webhook is one event for the Driver, named {@code "<action> <event>"}
 * (such as {@code "opened issues"}) as the original gateway named them, or just the event for those
 * without an action ({@code push}); its data is the whole payload and its initiator the {@code
 * sender}'s login. Webhooks about an issue ({@code issues}, {@code issue_comment}) also name it as
 * the routing key {@code issue:<owner>/<repo>#<n>}, a hint for the processes on that issue, which
 * re-read it from the API. GitHub sends no webhook for reactions. The body is JSON, or a form whose
 * {@code payload} field holds it, as the app's content type setting chooses.
 */
final class GitHubWebhooks implements WebhookHandler {

  static final String PING = "ping";
  static final String INSTALLATION = "installation";

  private static final Pattern SIGNATURE = Pattern.compile("sha256=[0-9a-fA-F]{64}");
  private static final Pattern EVENT = Pattern.compile("[a-z_]{1,64}");

  private final GitHubProperties app;

  GitHubWebhooks(GitHubProperties app) {
    this.app = app;
  }

  @Override
  public void verify(WebhookRequest request) {
    String secret = app.webhookSecret();
    if (secret == null || secret.isBlank()) {
      throw new WebhookRejectedException(
          "This deployment has no GitHub webhook secret (GITHUB_WEBHOOK_SECRET).");
    }
    String signature = request.headers().get("x-hub-signature-256");
    if (signature == null) {
      throw new WebhookRejectedException("The request has no X-Hub-Signature-256 header.");
    }
    if (!SIGNATURE.matcher(signature.trim()).matches()) {
      throw new WebhookRejectedException("The request's X-Hub-Signature-256 is malformed.");
    }
    if (!WebhookSignatures.matches(
        "sha256=" + WebhookSignatures.hmacSha256Hex(secret, request.body()), signature)) {
      throw new WebhookRejectedException(
          "The request's X-Hub-Signature-256 does not match its body under the webhook secret.");
    }
  }

  @Override
  public ParsedWebhook parse(WebhookRequest request) {
    String event = event(request);
    JsonNode payload = payload(request);
    if (PING.equals(event)) {
      return new ParsedWebhook(event, List.of(), List.of());
    }
    String action = payload.path("action").asString(null);
    String eventType = action == null || action.isBlank() ? event : action + " " + event;
    JsonNode sender = payload.path("sender");
    String initiator = sender.path("login").asString(null);
    Boolean isBot =
        initiator == null
            ? null
            : "Bot".equals(sender.path("type").asString(null))
                && initiator.equalsIgnoreCase(app.slug() + "[bot]");
    ObjectNode data = (ObjectNode) payload.deepCopy();
    return new ParsedWebhook(
        eventType,
        routingKeys(event, payload),
        List.of(new PlatformEvent(eventType, data, initiator, isBot)));
  }

  private static List<String> routingKeys(String event, JsonNode payload) {
    if (!"issues".equals(event) && !"issue_comment".equals(event)) {
      return List.of();
    }
    String repository = payload.path("repository").path("full_name").asString(null);
    JsonNode number = payload.path("issue").path("number");
    if (repository == null || !number.isIntegralNumber()) {
      return List.of();
    }
    return List.of(issueKey(repository, number.asLong()));
  }

  /**
   * The routing key of an issue (or pull request), which the processes on it register; GitHub names
   * are case-blind.
   */
  static String issueKey(String repositoryFullName, long number) {
    return "issue:" + repositoryFullName.toLowerCase(Locale.ROOT) + "#" + number;
  }

  /** The {@code X-GitHub-Event} header, which names what the payload is. */
  static String event(WebhookRequest request) {
    String event = request.headers().get("x-github-event");
    if (event == null || !EVENT.matcher(event.trim()).matches()) {
      throw InvalidInputException.of(
          "header.X-GitHub-Event", "is required and must be a GitHub event name");
    }
    return event.trim();
  }

  /** The payload: the JSON body, or the {@code payload} field of a form. */
  static JsonNode payload(WebhookRequest request) {
    String contentType =
        request.headers().getOrDefault("content-type", "").toLowerCase(Locale.ROOT);
    String text = new String(request.body(), StandardCharsets.UTF_8);
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      text = formPayload(text);
    }
    try {
      JsonNode json = Json.parse(text);
      if (json == null || !json.isObject()) {
        throw InvalidInputException.of("body", "is not a JSON object");
      }
      return json;
    } catch (JacksonException e) {
      throw InvalidInputException.of("body", "is not JSON");
    }
  }

  private static String formPayload(String form) {
    try {
      for (String pair : form.split("&")) {
        int equals = pair.indexOf('=');
        if (equals > 0
            && URLDecoder.decode(pair.substring(0, equals), StandardCharsets.UTF_8)
                .equals("payload")) {
          return URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
        }
      }
    } catch (IllegalArgumentException e) {
      throw InvalidInputException.of("body", "is not a well-formed form");
    }
    throw InvalidInputException.of("body.payload", "is required in a form-encoded webhook");
  }
}

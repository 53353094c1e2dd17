package org.metagov.activities.plugins.github;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.PlatformException.Kind;
import tools.jackson.databind.JsonNode;

/**
 * Installation access tokens, minted with the app's JWT ({@code POST
 * /app/installations/{id}/access_tokens}) and kept in memory per installation until shortly before
 * they expire (GitHub makes them last an hour). They are never stored: a worker that restarts mints
 * new ones.
 */
final class InstallationTokens {

  /**
   * How long before its {@code expires_at} a token is replaced, so that no call starts with a token
   * about to die.
   */
  static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

  private record Token(String value, Instant expiresAt) {}

  private final GitHubProperties properties;
  private final AppJwt jwt;
  private final Clock clock;
  private final ConcurrentMap<String, Token> tokens = new ConcurrentHashMap<>();

  InstallationTokens(GitHubProperties properties, AppJwt jwt, Clock clock) {
    this.properties = properties;
    this.jwt = jwt;
    this.clock = clock;
  }

  /** A token for the installation, from the cache when it has one that lives long enough. */
  String token(PlatformHttp http, String installationId) {
    requireId(installationId);
    Token cached = tokens.get(installationId);
    if (cached != null && clock.instant().isBefore(cached.expiresAt().minus(REFRESH_MARGIN))) {
      return cached.value();
    }
    JsonNode answer;
    try {
      answer =
          GitHubApi.call(
              http,
              properties.apiBaseUrl(),
              jwt.token(),
              "POST",
              "/app/installations/" + installationId + "/access_tokens",
              null);
    } catch (PlatformException e) {
      throw suspended(e) ? suspension(installationId, e) : e;
    }
    String value = answer == null ? null : answer.path("token").asString(null);
    Instant expiresAt = expiresAt(answer);
    if (value == null || value.isBlank() || expiresAt == null) {
      throw new PlatformException(
          Kind.FAILED,
          GitHubApi.PLATFORM,
          201,
          "GitHub answered an installation token request without a token and its expires_at.");
    }
    tokens.put(installationId, new Token(value, expiresAt));
    return value;
  }

  /**
   * Drops a token GitHub refused (revoked, or the installation suspended), unless another already
   * replaced it.
   */
  void forget(String installationId, String token) {
    tokens.computeIfPresent(
        installationId, (id, cached) -> cached.value().equals(token) ? null : cached);
  }

  private static Instant expiresAt(JsonNode answer) {
    try {
      return answer == null || !answer.path("expires_at").isString()
          ? null
          : Instant.parse(answer.get("expires_at").asString());
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /**
   * Whether GitHub refused a call because the installation is suspended: it answers 403 with a
   * message that says so ("This installation has been suspended"), to the token request and to
   * calls with a token minted before.
   */
  static boolean suspended(PlatformException e) {
    return e.platformStatus() == 403
        && e.responseBody() != null
        && e.responseBody().toLowerCase(Locale.ROOT).contains("suspended");
  }

  /**
   * The refusal of a call in a suspended installation. It stays a 403, so that an open vote is not
   * failed by it (a refused credential never ends a process; a close at the deadline keeps trying)
   * while actions answer at once.
   */
  static PlatformException suspension(String installationId, PlatformException cause) {
    return new PlatformException(
        Kind.REJECTED,
        GitHubApi.PLATFORM,
        403,
        "The GitHub App is suspended in its installation "
            + installationId
            + ": GitHub refuses every call it makes there until whoever suspended it (an owner of the account,"
            + " or of the app) unsuspends it. The installation stays bound to the community meanwhile.",
        cause.responseBody());
  }

  static void requireId(String installationId) {
    if (installationId == null || !installationId.matches("[1-9][0-9]{0,18}")) {
      throw new PlatformException(
          Kind.REJECTED,
          GitHubApi.PLATFORM,
          0,
          "The github plugin's installation_id is missing or not a GitHub installation id; install the app again.");
    }
  }
}

package org.metagov.api.apps;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The server-side state of OAuth installs, the CSRF guard of the callback: 256 random bits handed
 * to the platform, of which only a hash is stored, taken once, before it expires.
 */
@Repository
public class InstallStates {

  private final JdbcClient jdbc;
  private final SecureRandom random = new SecureRandom();

  public InstallStates(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** An install waiting for its callback. */
  public record Pending(String plugin, String community, String redirectUri, String driverState) {}

  /** Why a state could not be taken. */
  public enum Refusal {
    UNKNOWN,
    USED,
    EXPIRED,
    OTHER_PLUGIN
  }

  public record Taken(Pending pending, Refusal refusal) {}

  /** Stores a new install and returns its state token. */
  public String create(Pending pending, Instant expiresAt) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    jdbc.sql(
            """
            insert into install_state (token_hash, plugin_name, community_slug, redirect_uri, driver_state, expires_at)
            values (?, ?, ?, ?, ?, ?)
            """)
        .params(
            hash(token),
            pending.plugin(),
            pending.community(),
            pending.redirectUri(),
            pending.driverState(),
            Timestamp.from(expiresAt))
        .update();
    jdbc.sql("delete from install_state where expires_at < now() - interval '1 day'").update();
    return token;
  }

  /**
   * Takes a state once: a second callback with it, a late one or one for another plugin is refused.
   */
  public Taken take(String plugin, String token) {
    if (token == null || token.isEmpty() || token.length() > 200) {
      return new Taken(null, Refusal.UNKNOWN);
    }
    String hash = hash(token);
    Optional<Pending> taken =
        jdbc.sql(
                """
            update install_state set used_at = now()
            where token_hash = ? and plugin_name = ? and used_at is null and expires_at > now()
            returning plugin_name, community_slug, redirect_uri, driver_state
            """)
            .params(hash, plugin)
            .query(
                (rs, i) ->
                    new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
            .optional();
    if (taken.isPresent()) {
      return new Taken(taken.get(), null);
    }
    return jdbc.sql(
            "select plugin_name, community_slug, redirect_uri, driver_state, used_at is not null, expires_at <= now() "
                + "from install_state where token_hash = ?")
        .param(hash)
        .query(
            (rs, i) -> {
              Pending pending =
                  new Pending(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
              if (!pending.plugin().equals(plugin)) {
                return new Taken(null, Refusal.OTHER_PLUGIN);
              }
              return new Taken(pending, rs.getBoolean(5) ? Refusal.USED : Refusal.EXPIRED);
            })
        .optional()
        .orElse(new Taken(null, Refusal.UNKNOWN));
  }

  private static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package org.metagov.api.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.metagov.api.config.DriverProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The Driver API tokens, from {@code DRIVER_API_TOKENS}: a comma-separated list in which each entry
 * is a token, optionally followed by {@code @} and the {@code |}-separated communities it may
 * touch, as in {@code s3cr3t-admin,t0k3n-a@community-a|community-b}. A token without communities
 * may touch all. With no tokens configured, the API is open (the tutorial's setting: the Driver on
 * the same host), and the service warns at start-up.
 */
@Component
public class DriverTokens {

  private static final Logger log = LoggerFactory.getLogger(DriverTokens.class);

  /** A Driver's credential: the token's digest and its communities (empty means all). */
  public record Grant(byte[] digest, Set<String> communities) {
    public boolean allows(String community) {
      return communities.isEmpty() || communities.contains(community);
    }
  }

  private final List<Grant> grants;

  public DriverTokens(DriverProperties driver) {
    String configured = driver.apiTokens();
    List<Grant> parsed = new ArrayList<>();
    for (String entry : configured == null ? new String[0] : configured.split(",")) {
      String trimmed = entry.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int at = trimmed.lastIndexOf('@');
      String token = at < 0 ? trimmed : trimmed.substring(0, at);
      Set<String> communities = new LinkedHashSet<>();
      if (at >= 0) {
        for (String community : trimmed.substring(at + 1).split("\\|")) {
          if (!community.isBlank()) {
            communities.add(community.trim());
          }
        }
      }
      if (token.length() < 16) {
        throw new IllegalStateException(
            "Every DRIVER_API_TOKENS token must be at least 16 characters long.");
      }
      parsed.add(new Grant(digest(token), Set.copyOf(communities)));
    }
    this.grants = List.copyOf(parsed);
    if (grants.isEmpty()) {
      log.warn(
          "No DRIVER_API_TOKENS are configured: anyone who can reach /api/internal can act as the Driver. "
              + "Set DRIVER_API_TOKENS unless only a trusted Driver on this host can reach the service.");
    } else {
      log.info("Driver API authentication is on ({} token(s)).", grants.size());
    }
  }

  public boolean enabled() {
    return !grants.isEmpty();
  }

  /** The grant of a presented token; compares digests in constant time against every grant. */
  public Optional<Grant> find(String token) {
    if (token == null || token.isEmpty()) {
      return Optional.empty();
    }
    byte[] presented = digest(token);
    Grant match = null;
    for (Grant grant : grants) {
      if (MessageDigest.isEqual(grant.digest(), presented)) {
        match = grant;
      }
    }
    return Optional.ofNullable(match);
  }

  /**
   * The SHA-256 of a token: what is kept and compared, so a comparison's timing says nothing of the
   * token.
   */
  public static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

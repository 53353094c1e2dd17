package org.metagov.api.codec;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.security.MessageDigest;
import java.util.List;
import org.metagov.api.problem.ApiException;
import org.metagov.api.security.DriverAuthenticationFilter;
import org.metagov.api.security.DriverTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * The operators' tokens of the codec endpoint ({@code METAGOV_CODEC_TOKENS}). They are not Driver
 * tokens: a Driver token may be limited to some communities, and with no Driver tokens the Driver
 * API is open, while the codec decrypts every community's payloads; so only these tokens open it,
 * and without any it is off.
 */
@Component
public class OperatorTokens {

  private static final Logger log = LoggerFactory.getLogger(OperatorTokens.class);

  private final List<byte[]> digests;

  public OperatorTokens(CodecProperties properties) {
    List<String> tokens =
        properties.tokens().stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
    if (tokens.stream().anyMatch(t -> t.length() < 16)) {
      throw new IllegalStateException(
          "Every METAGOV_CODEC_TOKENS token must be at least 16 characters long.");
    }
    this.digests = tokens.stream().map(DriverTokens::digest).toList();
    if (!digests.isEmpty()) {
      log.info(
          "The codec endpoint /codec is on ({} operator token(s)); the Temporal UI at {} may call it.",
          digests.size(),
          properties.uiOrigins());
    }
  }

  public boolean enabled() {
    return !digests.isEmpty();
  }

  /**
   * Lets the request through only with an operator's token: {@code Authorization: Bearer <token>}
   * (the CLI, or a proxy) or the {@link CodecSessionController#COOKIE} cookie (a browser signed in
   * for the Temporal UI).
   */
  public void require(HttpServletRequest request, HttpServletResponse response) {
    String token = DriverAuthenticationFilter.bearerToken(request);
    require(token == null ? sessionCookie(request) : token, response);
  }

  /**
   * Lets the request through only when {@code token} (null when none was presented) is an
   * operator's.
   */
  public void require(String token, HttpServletResponse response) {
    if (!enabled()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "codec_disabled",
          "The codec endpoint is off: set "
              + "METAGOV_CODEC_TOKENS to the operators' tokens to read Temporal's encrypted payloads through it.");
    }
    if (!accepts(token)) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"metagov-codec\"");
      throw new ApiException(
          HttpStatus.UNAUTHORIZED,
          token == null ? "missing_credentials" : "bad_credentials",
          token == null
              ? "The codec endpoint needs an operator token: send Authorization: Bearer <token>, or sign in "
                  + "at /codec/session."
              : "The operator token is not valid.");
    }
  }

  private static String sessionCookie(HttpServletRequest request) {
    Cookie[] cookies = request.getCookies();
    if (cookies == null) {
      return null;
    }
    for (Cookie cookie : cookies) {
      if (CodecSessionController.COOKIE.equals(cookie.getName())) {
        return CodecSessionController.token(cookie.getValue());
      }
    }
    return null;
  }

  /** Whether the token is an operator's; compares digests in constant time against every token. */
  public boolean accepts(String token) {
    if (token == null || token.isEmpty()) {
      return false;
    }
    byte[] presented = DriverTokens.digest(token);
    boolean match = false;
    for (byte[] digest : digests) {
      match |= MessageDigest.isEqual(digest, presented);
    }
    return match;
  }
}

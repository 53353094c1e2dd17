package org.metagov.api.codec;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Signs a browser in to the codec endpoint. The Temporal UI cannot send a bearer token of ours (its
 * "pass access token" option sends the UI's own login token), but with "include cross-origin
 * credentials" it sends cookies: an operator enters a token once at {@code /codec/session}, and the
 * browser keeps it in an HTTP-only, {@code SameSite=Strict} cookie that only {@code /codec}
 * receives. SameSite lets the cookie go only to requests from the same site (the UI and this
 * service on one host, or under one domain).
 */
@Hidden
@RestController
public class CodecSessionController {

  public static final String COOKIE = "metagov-codec";
  static final Duration LIFETIME = Duration.ofHours(8);

  private static final String FORM =
      """
      <!DOCTYPE html>
      <html>
        <head><meta charset="utf-8"><title>Metagov codec: sign in</title></head>
        <body>
          <h1>Read Temporal's encrypted payloads</h1>
          <p>Enter an operator token (METAGOV_CODEC_TOKENS). This browser then keeps it for %d hours, for the
          Temporal UI's codec endpoint <code>/codec</code> with "Include cross-origin credentials" on.</p>
          <form method="post" action="session">
            <input type="password" name="token" autocomplete="off" required>
            <button type="submit">Sign in</button>
          </form>
        </body>
      </html>
      """
          .formatted(LIFETIME.toHours());

  private static final String SIGNED_IN =
      """
      <!DOCTYPE html>
      <html>
        <head><meta charset="utf-8"><title>Metagov codec: signed in</title></head>
        <body><p>Signed in for %d hours: the Temporal UI in this browser can now show encrypted payloads.</p></body>
      </html>
      """
          .formatted(LIFETIME.toHours());

  private final OperatorTokens tokens;

  public CodecSessionController(OperatorTokens tokens) {
    this.tokens = tokens;
  }

  @GetMapping(path = "/codec/session", produces = MediaType.TEXT_HTML_VALUE)
  public String form() {
    return FORM;
  }

  @PostMapping(
      path = "/codec/session",
      consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE,
      produces = MediaType.TEXT_HTML_VALUE)
  public String signIn(HttpServletRequest request, HttpServletResponse response) {
    String token =
        request.getParameter("token") == null ? null : request.getParameter("token").trim();
    tokens.require(token, response);
    response.addHeader(
        HttpHeaders.SET_COOKIE,
        ResponseCookie.from(COOKIE, cookieValue(token))
            .path("/codec")
            .maxAge(LIFETIME)
            .httpOnly(true)
            .sameSite("Strict")
            .secure(request.isSecure())
            .build()
            .toString());
    return SIGNED_IN;
  }

  /**
   * A token as a cookie value: base64url, since a token may hold characters a cookie value cannot.
   */
  static String cookieValue(String token) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(token.getBytes(StandardCharsets.UTF_8));
  }

  /** The token a {@link #cookieValue} holds, or null when it holds none. */
  static String token(String cookieValue) {
    try {
      return new String(Base64.getUrlDecoder().decode(cookieValue), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}

package org.metagov.api.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.metagov.api.problem.ProblemAdvice;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Requires {@code Authorization: Bearer <token>} on every request when Driver tokens are
 * configured, except the webhook receivers and the API documentation, which stay open. The grant is
 * kept on the request for {@link CommunityAccess}. Health and metrics are served on the management
 * port, which this filter does not guard (keep that port off the public network); if they were
 * moved back onto this port, they would need a token like everything else.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class DriverAuthenticationFilter extends OncePerRequestFilter {

  static final String GRANT = DriverAuthenticationFilter.class.getName() + ".grant";

  private final DriverTokens tokens;

  public DriverAuthenticationFilter(DriverTokens tokens) {
    this.tokens = tokens;
  }

  /**
   * What stays open without a Driver token; everything else, whatever its spelling, needs one. The
   * codec endpoint checks operators' tokens of its own ({@code org.metagov.api.codec}): a Driver
   * token, which may be limited to some communities, must not decrypt every community's payloads.
   */
  private static final java.util.List<String> OPEN_PREFIXES =
      java.util.List.of(
          "/api/hooks/",
          "/api/action/",
          "/v3/api-docs",
          "/swagger",
          "/redoc",
          "/webjars/",
          "/codec/");

  /** The token of an {@code Authorization: Bearer <token>} header, or null. */
  public static String bearerToken(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
        ? header.substring(7).trim()
        : null;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    if (!tokens.enabled()) {
      return true;
    }
    // The servlet path is decoded and normalised (no "%69", "..", or ";params"), as the handler
    // mapping sees it.
    return isOpen(
        request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo()));
  }

  /**
   * Whether a (decoded, normalised) path stays open without a Driver token; the OpenAPI document
   * follows this.
   */
  public static boolean isOpen(String path) {
    // "/api/action/" runs only public actions (see ActionController); "/" only redirects to the
    // documentation.
    return path.equals("/")
        || OPEN_PREFIXES.stream().anyMatch(path::startsWith)
        || INSTALL_CALLBACK.matcher(path).matches();
  }

  /**
   * Where a platform sends the installing user's browser back; its single-use state is its
   * credential.
   */
  private static final java.util.regex.Pattern INSTALL_CALLBACK =
      java.util.regex.Pattern.compile("/auth/[^/]+/callback");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String token = bearerToken(request);
    Optional<DriverTokens.Grant> grant = tokens.find(token);
    if (grant.isEmpty()) {
      response.setHeader("WWW-Authenticate", "Bearer realm=\"metagov\"");
      ProblemAdvice.write(
          response,
          HttpStatus.UNAUTHORIZED,
          token == null ? "missing_credentials" : "bad_credentials",
          token == null
              ? "This API needs a Driver token: send Authorization: Bearer <token>."
              : "The Driver token is not valid.",
          request);
      return;
    }
    request.setAttribute(GRANT, grant.get());
    chain.doFilter(request, response);
  }
}

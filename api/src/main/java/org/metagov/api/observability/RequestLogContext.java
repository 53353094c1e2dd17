package org.metagov.api.observability;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts the community and process id of a request into the logging context, so every log line of the
 * request carries them (as {@code community} and {@code process_id}, also in structured logs).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class RequestLogContext extends OncePerRequestFilter {

  private static final Pattern COMMUNITY_IN_PATH =
      Pattern.compile("^/api/(?:internal/community|hooks)/([A-Za-z0-9_-]{1,100})");
  private static final Pattern PROCESS_IN_PATH =
      Pattern.compile("^/api/internal/process/[^/]+/([0-9]{1,19})$");
  private static final Pattern NOT_IN_A_SLUG = Pattern.compile("[^A-Za-z0-9_-]");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String community = request.getHeader("X-Metagov-Community");
    Matcher path = COMMUNITY_IN_PATH.matcher(request.getRequestURI());
    if (community == null && path.find()) {
      community = path.group(1);
    }
    Matcher process = PROCESS_IN_PATH.matcher(request.getRequestURI());
    try {
      if (community != null && community.length() <= 100) {
        MDC.put("community", NOT_IN_A_SLUG.matcher(community).replaceAll("?"));
      }
      if (process.find()) {
        MDC.put("process_id", process.group(1));
      }
      chain.doFilter(request, response);
    } finally {
      MDC.remove("community");
      MDC.remove("process_id");
    }
  }
}

package org.metagov.api.security;

import org.metagov.api.problem.ApiException;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Whether the Driver behind the current request may touch a community. A token limited to some
 * communities sees every other community as absent: 404, so it learns nothing about them.
 */
public final class CommunityAccess {

  private CommunityAccess() {}

  public static boolean allowed(String community) {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (attributes == null) {
      return true;
    }
    Object grant =
        attributes.getAttribute(DriverAuthenticationFilter.GRANT, RequestAttributes.SCOPE_REQUEST);
    return !(grant instanceof DriverTokens.Grant g) || g.allows(community);
  }

  /** Throws the same 404 an unknown community gets when the Driver may not touch this one. */
  public static void require(String community) {
    if (!allowed(community)) {
      throw ApiException.notFound(
          "community_not_found", "There is no community named " + community + ".");
    }
  }
}

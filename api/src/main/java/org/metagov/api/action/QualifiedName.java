package org.metagov.api.action;

import org.metagov.api.problem.ApiException;

/**
 * A {@code plugin.member} name from a Driver URL, such as {@code sourcecred.user-cred} or {@code
 * loomio.poll}.
 */
public record QualifiedName(String plugin, String member) {

  public static QualifiedName parse(String qualified, String kind) {
    int dot = qualified.indexOf('.');
    if (dot <= 0 || dot == qualified.length() - 1) {
      throw ApiException.notFound(
          kind + "_not_found",
          "'"
              + qualified
              + "' is not a "
              + kind
              + " name; use <plugin>.<"
              + kind
              + ">, for example randomness.random-int.");
    }
    return new QualifiedName(qualified.substring(0, dot), qualified.substring(dot + 1));
  }

  @Override
  public String toString() {
    return plugin + "." + member;
  }
}

package org.metagov.activities.plugin;

import tools.jackson.databind.node.ObjectNode;

/**
 * The communities' Metagov ids and the platform accounts linked to them, for plugin code that
 * learns who a person is on its platform (an OAuth install names the installing user, for example).
 * The Driver API's {@code /api/internal/identity} endpoints read and change the same records.
 */
public interface Identities {

  /**
   * Records that a platform account exists in a community. An account seen for the first time gets
   * a new Metagov id of its own; an account already linked keeps its id, and its link type, quality
   * and custom data are replaced only when {@code account.linkQuality()} is higher than the stored
   * quality: a link never loses quality. Safe to call again with the same account, and from
   * concurrent callers.
   *
   * @return the Metagov id (the {@code external_id}) the account is linked to
   */
  long recordAccount(String community, PlatformAccount account);

  /**
   * A person's account on a platform, as a plugin saw it.
   *
   * @param platformType the plugin's name ({@code slack}, {@code github}, ...)
   * @param platformIdentifier the account's identifier on the platform (a user id, a login)
   * @param communityPlatformId which of the community's spaces on that platform, or null when there
   *     is one
   * @param customData anything else worth keeping about the account, or null
   */
  record PlatformAccount(
      String platformType,
      String platformIdentifier,
      String communityPlatformId,
      ObjectNode customData,
      LinkType linkType,
      LinkQuality linkQuality) {}
}

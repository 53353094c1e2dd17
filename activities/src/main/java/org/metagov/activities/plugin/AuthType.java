package org.metagov.activities.plugin;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a plugin is authorized on its platform, under the gateway's wire names (a plugin object's and
 * a plugin metadata's {@code auth_type}): an installed app authorized by OAuth, a credential
 * entered in the config, or none.
 */
public enum AuthType {
  API_KEY("api_key"),
  OAUTH("oauth"),
  NONE("none");

  private final String wireName;

  AuthType(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  @Override
  public String toString() {
    return wireName;
  }
}

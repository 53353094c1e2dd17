package org.metagov.activities.plugin;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A platform integration. A plugin is one package: its config schema, its actions, its processes
 * and (where the platform sends them) its webhook handling. Implementations are Spring components
 * and are found by the {@link PluginRegistry}; adding a platform touches nothing else.
 */
public interface Plugin {

  /** The name Drivers use, as in {@code sourcecred.user-cred}. */
  String name();

  String description();

  /**
   * The JSON Schema of the plugin's community config. Fields marked {@code "writeOnly": true} are
   * secrets: stored, never returned. {@code "default"} values are filled in before the config is
   * stored.
   */
  JsonNode configSchema();

  List<ActionSpec> actions();

  default List<ProcessSpec> processes() {
    return List.of();
  }

  /** Event types this plugin emits to the Driver. */
  default List<String> eventTypes() {
    return List.of();
  }

  /**
   * Called when a community enables the plugin or changes its config, inside the transaction that
   * stores it: a plugin can register Metagov's webhook on its platform here. Throwing (for example
   * a {@link PlatformException}) rejects the change and nothing is stored. It runs again on every
   * config change, so it must check {@link PluginContext#state()} before registering anything
   * twice.
   *
   * @param webhookUrl the absolute URL of this community's receiver for this plugin, or null when
   *     {@code METAGOV_PUBLIC_URL} is not set
   */
  default void onEnable(PluginContext context, String webhookUrl) {}

  /**
   * Called after a community disabled the plugin (or was deleted), outside any request, with the
   * config and state it had: revoke tokens, remove webhook registrations. Retried on failure (it
   * must be safe to repeat); a platform that keeps refusing is logged and the teardown given up,
   * since the config is gone either way. It does not run when an installed app's platform reported
   * the app uninstalled (see {@link InstalledApp}).
   */
  default void onDisable(PluginContext context) {}

  /**
   * The installed-app side of the plugin (OAuth install, one webhook URL for all installations), or
   * null.
   */
  default InstalledApp installedApp() {
    return null;
  }

  /** How the plugin reads its platform's webhooks, or null when the platform sends none. */
  default WebhookHandler webhookHandler() {
    return null;
  }

  /**
   * How the plugin is authorized on its platform: by OAuth when it is an installed app, by a
   * credential when its config has a secret field, else not at all.
   */
  default AuthType authType() {
    if (installedApp() != null) {
      return AuthType.OAUTH;
    }
    return Schemas.secretFields(configSchema()).isEmpty() ? AuthType.NONE : AuthType.API_KEY;
  }

  /** Whether the platform sends webhooks to {@code /api/hooks/{community}/{plugin}}. */
  default boolean receivesWebhooks() {
    return webhookHandler() != null && installedApp() == null;
  }
}

package org.metagov.activities.plugin;

import java.net.URI;
import org.metagov.activities.http.PlatformHttp;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a plugin adds when its platform is an <em>installed app</em>: one app per deployment
 * (credentials from the deployment's configuration, not from communities), installed into a
 * workspace, guild or organisation by OAuth, with one webhook URL ({@code POST
 * /api/hooks/{plugin}}) for every installation.
 *
 * <p>The orchestrator owns the generic parts: the single-use install state, the Driver's redirect,
 * storing the installation as the community's plugin config (secrets encrypted like any config
 * secret), the index from installation key to community, and the ingestion of routed webhooks
 * (identity, process inputs, events), which then go through the plugin's {@link WebhookHandler} as
 * any community webhook does.
 */
public interface InstalledApp {

  /**
   * The config field holding the installation key that app-level webhooks name (Slack {@code
   * team_id}, GitHub {@code installation_id}, Discord {@code guild_id}). An installation key
   * belongs to one community.
   */
  String installationKeyField();

  /**
   * Whether the deployment configured the app's credentials; without them nothing can be installed.
   */
  boolean configured();

  /**
   * Where the installing user's browser is sent.
   *
   * @param state the orchestrator's single-use state, which the platform hands back to the callback
   * @param callbackUrl the absolute URL of {@code /auth/{plugin}/callback}, which the platform
   *     redirects to
   */
  URI authorizeUrl(String state, URI callbackUrl);

  /**
   * Completes an installation from what the platform's redirect to the callback carried, and
   * returns the community's plugin config (tokens in its {@code writeOnly} fields). Platforms
   * differ here: Slack and Discord send an authorization {@code code} to exchange (Discord adds
   * {@code guild_id}); a GitHub App sends {@code installation_id} and {@code setup_action}. It may
   * call the platform; it runs in the browser's callback request, before anything is stored. Throws
   * {@link InstallRefusedException} when the platform refused or the redirect lacks what the
   * platform always sends.
   *
   * @param callback the callback's query parameters, without the orchestrator's {@code state}
   */
  ObjectNode install(PlatformHttp http, java.util.Map<String, String> callback, URI callbackUrl);

  /**
   * The platform identifier of the user who installed the app, read from the config {@link
   * #install} returned, or null when the platform did not name them. The orchestrator records it
   * through {@link Identities} as an OAuth link of the strongest quality, in the installation's
   * space ({@link #installationKeyField}).
   */
  default String installerAccount(ObjectNode installation) {
    return null;
  }

  /**
   * Reads an app-level webhook that {@link WebhookHandler#verify} accepted (the request carries no
   * community: it has not been routed yet) and says what to do with it: answer it at once (a URL
   * check, a ping), or route it to the installation it names.
   */
  AppWebhookRoute route(WebhookRequest request);

  /**
   * The answer to a webhook that {@link #route} delivered to an installation no community holds
   * (removed meanwhile, or another deployment's), or null for the orchestrator's usual {@code
   * {"status": "ignored"}}. Nothing is stored either way. A platform that shows the answer to a
   * person (a Discord interaction) explains here why nothing happened.
   */
  default AppWebhookRoute.Reply unknownInstallationReply(WebhookRequest request) {
    return null;
  }

  /** Where an app-level webhook goes. */
  sealed interface AppWebhookRoute {

    /** Answer the platform directly; nothing is stored. */
    record Reply(int status, String contentType, String body) implements AppWebhookRoute {}

    /**
     * Hand the webhook to the community that holds {@code installationKey}.
     *
     * @param identityContent what identifies the webhook among its retries, taken from the signed
     *     content (the platform's event id, or the whole body); the receiver hashes it with the
     *     community and plugin
     * @param reply the answer the platform expects once the webhook is accepted, or null for the
     *     usual one
     * @param uninstalled the webhook says the app was removed from the installation (or its tokens
     *     revoked): once it is ingested, the plugin is disabled for the community, without {@link
     *     Plugin#onDisable}, since the platform has already removed what a teardown would
     */
    record Deliver(String installationKey, byte[] identityContent, Reply reply, boolean uninstalled)
        implements AppWebhookRoute {}
  }

  /**
   * The platform refused an installation; {@code code} is passed to the Driver's redirect as {@code
   * error}.
   */
  class InstallRefusedException extends RuntimeException {

    private final String code;

    public InstallRefusedException(String code, String description) {
      super(description);
      this.code = code;
    }

    public String code() {
      return code;
    }
  }
}

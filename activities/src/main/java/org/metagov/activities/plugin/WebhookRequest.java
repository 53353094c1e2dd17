package org.metagov.activities.plugin;

import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * A webhook as it arrived, with what a plugin may consult to check and read it before it is
 * acknowledged: the community's config and a read-only view of the plugin's state. It carries no
 * platform HTTP client on purpose: nothing that can fail because a platform is down may run before
 * the acknowledgement.
 *
 * @param headers request headers with lower-case names
 * @param body the raw body bytes, over which signatures are computed
 */
public record WebhookRequest(
    String community,
    ObjectNode config,
    PluginStateView state,
    Map<String, String> headers,
    byte[] body) {

  /**
   * The request a plugin running for {@code context} receives (the context's HTTP client stays out
   * of it).
   */
  public static WebhookRequest of(PluginContext context, Map<String, String> headers, byte[] body) {
    return new WebhookRequest(
        context.community(), context.config(), context.state(), headers, body);
  }

  public String configText(String field) {
    return config.path(field).asString(null);
  }
}

package org.metagov.activities.plugin;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/**
 * How a plugin runs one kind of governance process on its platform. The process workflow calls
 * these through activities; each call must be safe to repeat, because an activity may run again
 * after a crash.
 */
public interface ProcessAdapter {

  /**
   * When the process must end, from its validated parameters, or null for a process that has no
   * deadline of its own.
   */
  Instant closingAt(JsonNode parameters, Instant now);

  /**
   * Creates the process on the platform. {@code process.platformState()} is empty. Implementations
   * that create platform objects should make a repeated call find the object the first call
   * created.
   */
  ProcessSnapshot start(PluginContext context, ProcessInstance process);

  /** Re-reads the authoritative state from the platform. */
  ProcessSnapshot refresh(PluginContext context, ProcessInstance process);

  /** Closes the process on the platform (if it is still open there) and reads its final state. */
  ProcessSnapshot close(PluginContext context, ProcessInstance process);

  /**
   * A process as the adapter sees it: its id, validated parameters, what {@code start} recorded,
   * and the process inputs that webhooks routed to it so far, oldest first (see {@link
   * WebhookHandler.ParsedWebhook}).
   */
  record ProcessInstance(
      long id,
      String community,
      JsonNode parameters,
      JsonNode platformState,
      java.util.List<JsonNode> inputs) {

    public ProcessInstance(long id, String community, JsonNode parameters, JsonNode platformState) {
      this(id, community, parameters, platformState, java.util.List.of());
    }
  }

  /**
   * The platform's view of a process. {@code platformState} is kept by the workflow and handed back
   * on every later call; {@code url} is where people take part (null if nowhere); {@code closed}
   * says the platform has closed it; {@code routingKeys} are platform object keys (such as {@code
   * poll:abc123}) that webhooks name, used to route a webhook to this process.
   */
  record ProcessSnapshot(
      JsonNode platformState,
      JsonNode outcome,
      String url,
      boolean closed,
      java.util.List<String> routingKeys) {}
}

package org.metagov.api.webhook;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.api.delivery.EventPublisher;
import org.metagov.api.problem.ApiException;
import org.metagov.api.process.ProcessRepository;
import org.metagov.api.process.ProcessRepository.StoredProcess;
import org.metagov.workflows.process.PlatformHint;
import org.metagov.workflows.process.ProcessWorkflow;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Receives a platform webhook: checks where it comes from, applies each platform delivery once, and
 * hands it to the processes it concerns (found through the routing index) as Temporal signals and its
 * events to the community's event stream. It answers only once Temporal has accepted both, so an
 * acknowledged webhook is never lost.
 */
@Service
public class WebhookService {

  private final PluginRegistry registry;
  private final PluginContexts contexts;
  private final ProcessRepository processes;
  private final WorkflowClient client;
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final EventPublisher events;

  public WebhookService(PluginRegistry registry, PluginContexts contexts, ProcessRepository processes,
      WorkflowClient client, JdbcClient jdbc, TransactionTemplate transaction, EventPublisher events) {
    this.registry = registry;
    this.contexts = contexts;
    this.processes = processes;
    this.client = client;
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.events = events;
  }

  public Map<String, Object> receive(String community, String pluginName, String webhookSlug, HttpHeaders headers,
      byte[] body) {
    ApiException notFound = ApiException.notFound("webhook_not_found", "There is no webhook receiver at this address.");
    var plugin = registry.find(pluginName).orElseThrow(() -> notFound);
    PluginContext context = contexts.find(community, pluginName).orElseThrow(() -> notFound);
    String configuredSlug = context.configText("webhook_slug");
    if (!sameSlug(configuredSlug, webhookSlug)) {
      throw notFound;
    }
    WebhookHandler handler = plugin.webhookHandler();
    if (handler != null && !handler.verifiesSender() && (configuredSlug == null || configuredSlug.isBlank())) {
      throw notFound;
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    if (handler == null) {
      answer.put("status", "ignored");
      answer.put("detail", "The plugin " + pluginName + " does not use webhooks.");
      return answer;
    }
    Map<String, String> lowerCaseHeaders = new LinkedHashMap<>();
    headers.forEach((name, values) -> lowerCaseHeaders.put(name.toLowerCase(Locale.ROOT), values.isEmpty() ? "" : values.get(0)));
    try {
      handler.verify(context, lowerCaseHeaders, body);
    } catch (WebhookRejectedException e) {
      throw new ApiException(HttpStatus.UNAUTHORIZED, "bad_signature", e.getMessage());
    }
    ParsedWebhook webhook = handler.parse(context, lowerCaseHeaders, body);
    return transaction.execute(status -> {
      if (webhook.deliveryId() != null && !firstReceipt(community, pluginName, webhook.deliveryId())) {
        answer.put("status", "duplicate");
        return answer;
      }
      List<StoredProcess> concerned = processes.openByRoutingKeys(community, pluginName, webhook.routingKeys());
      int signalled = 0;
      for (StoredProcess process : concerned) {
        try {
          client.newWorkflowStub(ProcessWorkflow.class, process.workflowId())
              .platformUpdate(new PlatformHint(webhook.deliveryId(), webhook.eventType()));
          signalled++;
        } catch (WorkflowNotFoundException e) {
          // The process ended between the lookup and the signal; there is nothing left to update.
        }
      }
      int queued = events.publish(community, pluginName, webhook.deliveryId(), webhook.events());
      answer.put("status", "accepted");
      answer.put("processes", signalled);
      answer.put("events", queued);
      return answer;
    });
  }

  public boolean knownPlugin(String plugin) {
    return registry.find(plugin).isPresent();
  }

  /** Records the delivery id; false when it was already received. Rolled back if the signals fail. */
  private boolean firstReceipt(String community, String plugin, String deliveryId) {
    return jdbc.sql("""
            insert into webhook_receipt (community_slug, plugin_name, delivery_id) values (?, ?, ?)
            on conflict do nothing
            """)
        .params(community, plugin, deliveryId)
        .update() == 1;
  }

  private static boolean sameSlug(String configured, String given) {
    boolean hasConfigured = configured != null && !configured.isBlank();
    boolean hasGiven = given != null && !given.isBlank();
    if (!hasConfigured || !hasGiven) {
      return hasConfigured == hasGiven;
    }
    return MessageDigest.isEqual(configured.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}

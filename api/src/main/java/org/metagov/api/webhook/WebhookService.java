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
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.api.delivery.EventOutbox;
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
 * Receives a platform webhook, ack-first: it checks where the webhook comes from and reads it without
 * calling the platform, then, in one transaction, records its identity (a hash of the verified content, so a
 * replay or a re-labelled copy is applied once), signals the processes it concerns (found through the routing
 * index) and queues its events in PostgreSQL. It answers once that transaction has committed; completing
 * events from the platform happens later, in activities, with retries.
 */
@Service
public class WebhookService {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(WebhookService.class);

  /** Headers handed to plugins are short in every platform's webhooks; longer ones are refused. */
  static final int MAX_HEADER_LENGTH = 1024;

  /** Tries of a signal that finds no run (50, 100, 200, 400 ms apart). */
  static final int SIGNAL_ATTEMPTS = 5;

  private final PluginRegistry registry;
  private final PluginContexts contexts;
  private final ProcessRepository processes;
  private final WorkflowClient client;
  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final EventOutbox events;

  public WebhookService(PluginRegistry registry, PluginContexts contexts, ProcessRepository processes,
      WorkflowClient client, JdbcClient jdbc, TransactionTemplate transaction, EventOutbox events) {
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
    WebhookRequest request = WebhookRequest.of(context, lowerCaseHeaders(headers), body);
    try {
      handler.verify(request);
    } catch (WebhookRejectedException e) {
      throw new ApiException(HttpStatus.UNAUTHORIZED, "bad_signature", e.getMessage());
    }
    ParsedWebhook webhook = handler.parse(request);
    String eventType = webhook.eventType() == null ? null : abbreviate(webhook.eventType());
    String identity = WebhookIdentity.of(community, pluginName, body);
    EventOutbox.Queued queued = transaction.execute(status -> {
      if (!firstReceipt(identity, community, pluginName, eventType)) {
        answer.put("status", "duplicate");
        return null;
      }
      List<StoredProcess> concerned = processes.openByRoutingKeys(community, pluginName, webhook.routingKeys());
      List<Long> toSignal = processes.raiseHints(concerned.stream().map(StoredProcess::id).toList());
      int signalled = 0;
      for (StoredProcess process : concerned) {
        if (!toSignal.contains(process.id())) {
          // A signal is already waiting for the process's next platform read, which will see this change too.
          signalled++;
          continue;
        }
        if (signal(process, new PlatformHint(identity, eventType))) {
          signalled++;
        } else {
          // No run took the signal: the next webhook must signal again rather than wait on this flag.
          processes.hintTaken(process.id());
        }
      }
      EventOutbox.Queued result = events.queue(community, pluginName, identity, handler, webhook.events());
      answer.put("status", "accepted");
      answer.put("processes", signalled);
      answer.put("events", result.events());
      return result;
    });
    if (queued != null && queued.wake()) {
      events.wake(community);
    }
    answer.put("id", identity);
    return answer;
  }

  /**
   * Signals a process's workflow. A signal can meet the workflow between two runs (continuing as new), where
   * the server may answer that there is no run; it is tried again briefly before the process is taken to
   * have ended. False when no run took it.
   */
  private boolean signal(StoredProcess process, PlatformHint hint) {
    for (int attempt = 0; ; attempt++) {
      try {
        client.newWorkflowStub(ProcessWorkflow.class, process.workflowId()).platformUpdate(hint);
        if (attempt > 0) {
          log.info("The webhook signal to process {} found no run at first; attempt {} was taken.", process.id(), attempt + 1);
        }
        return true;
      } catch (WorkflowNotFoundException e) {
        if (attempt == SIGNAL_ATTEMPTS - 1) {
          log.info("The webhook signal to process {} found no run; the process has ended.", process.id());
          return false;
        }
        try {
          Thread.sleep(50L << attempt);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  public boolean knownPlugin(String plugin) {
    return registry.find(plugin).isPresent();
  }

  private static Map<String, String> lowerCaseHeaders(HttpHeaders headers) {
    Map<String, String> lowerCase = new LinkedHashMap<>();
    headers.forEach((name, values) -> {
      String value = values.isEmpty() ? "" : values.get(0);
      if (name.length() > MAX_HEADER_LENGTH || value.length() > MAX_HEADER_LENGTH) {
        throw ApiException.badRequest("header_too_long", "The header " + abbreviate(name) + " is longer than "
            + MAX_HEADER_LENGTH + " characters; no platform sends such a webhook header.");
      }
      lowerCase.put(name.toLowerCase(Locale.ROOT), value);
    });
    return lowerCase;
  }

  private static String abbreviate(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "...";
  }

  /** Records the webhook's identity; false when it was already received. Rolled back if the signals fail. */
  private boolean firstReceipt(String identity, String community, String plugin, String eventType) {
    return jdbc.sql("""
            insert into webhook_receipt (identity, community_slug, plugin_name, event_type) values (?, ?, ?, ?)
            on conflict do nothing
            """)
        .params(identity, community, plugin, eventType)
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

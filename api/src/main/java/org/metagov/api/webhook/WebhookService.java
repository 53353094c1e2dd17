package org.metagov.api.webhook;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.metagov.activities.plugin.InstalledApp;
import org.metagov.activities.plugin.InstalledApp.AppWebhookRoute;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.WebhookHandler;
import org.metagov.activities.plugin.WebhookHandler.ParsedWebhook;
import org.metagov.activities.plugin.WebhookRejectedException;
import org.metagov.activities.plugin.WebhookRequest;
import org.metagov.api.apps.AppInstallations;
import org.metagov.api.community.CommunityService;
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
 * Receives a platform webhook, ack-first: it checks where the webhook comes from and reads it
 * without calling the platform, then, in one transaction, records its identity (a hash of the
 * verified content, so a replay or a re-labelled copy is applied once), signals the processes it
 * concerns (found through the routing index) and queues its events in PostgreSQL. It answers once
 * that transaction has committed; completing events from the platform happens later, in activities,
 * with retries.
 */
@Service
public class WebhookService {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(WebhookService.class);

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
  private final AppInstallations installations;
  private final CommunityService communities;

  public WebhookService(
      PluginRegistry registry,
      PluginContexts contexts,
      ProcessRepository processes,
      WorkflowClient client,
      JdbcClient jdbc,
      TransactionTemplate transaction,
      EventOutbox events,
      AppInstallations installations,
      CommunityService communities) {
    this.installations = installations;
    this.communities = communities;
    this.registry = registry;
    this.contexts = contexts;
    this.processes = processes;
    this.client = client;
    this.jdbc = jdbc;
    this.transaction = transaction;
    this.events = events;
  }

  public Map<String, Object> receive(
      String community, String pluginName, String webhookSlug, HttpHeaders headers, byte[] body) {
    ApiException notFound =
        ApiException.notFound("webhook_not_found", "There is no webhook receiver at this address.");
    var plugin = registry.find(pluginName).orElseThrow(() -> notFound);
    if (plugin.installedApp() != null) {
      // An installed app's webhooks name their installation and are routed by it, at
      // /api/hooks/{plugin} only: a
      // per-community path would let a webhook signed for one installation reach another
      // community's processes.
      throw notFound;
    }
    PluginContext context = contexts.find(community, pluginName).orElseThrow(() -> notFound);
    String configuredSlug = context.configText("webhook_slug");
    if (!sameSlug(configuredSlug, webhookSlug)) {
      throw notFound;
    }
    WebhookHandler handler = plugin.webhookHandler();
    if (handler != null
        && !handler.verifiesSender()
        && (configuredSlug == null || configuredSlug.isBlank())) {
      throw notFound;
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    if (handler == null) {
      answer.put("status", "ignored");
      answer.put("detail", "The plugin " + pluginName + " does not use webhooks.");
      return answer;
    }
    WebhookRequest request = WebhookRequest.of(context, lowerCaseHeaders(headers), body);
    verify(handler, request);
    return ingest(community, pluginName, handler, request, body, answer);
  }

  /**
   * Receives an installed app's webhook at {@code /api/hooks/{plugin}}: verified with the app's own
   * scheme, answered at once when the platform only checks the URL, otherwise routed by the
   * installation key it names to the community that installed the app and ingested like a community
   * webhook.
   */
  public AppAnswer receiveApp(String pluginName, HttpHeaders headers, byte[] body) {
    ApiException notFound =
        ApiException.notFound("webhook_not_found", "There is no webhook receiver at this address.");
    Plugin plugin = registry.find(pluginName).orElseThrow(() -> notFound);
    InstalledApp app = plugin.installedApp();
    WebhookHandler handler = plugin.webhookHandler();
    if (app == null || handler == null) {
      throw notFound;
    }
    if (!app.configured()) {
      throw new ApiException(
          HttpStatus.SERVICE_UNAVAILABLE,
          "app_not_configured",
          "The " + pluginName + " app's credentials are not configured on this deployment.");
    }
    Map<String, String> lowerCase = lowerCaseHeaders(headers);
    WebhookRequest unrouted = new WebhookRequest(null, null, null, lowerCase, body);
    verify(handler, unrouted);
    AppWebhookRoute route = app.route(unrouted);
    if (route instanceof AppWebhookRoute.Reply reply) {
      return new AppAnswer(reply, null);
    }
    AppWebhookRoute.Deliver deliver = (AppWebhookRoute.Deliver) route;
    Map<String, Object> answer = new LinkedHashMap<>();
    Optional<String> community = installations.community(pluginName, deliver.installationKey());
    PluginContext context = community.flatMap(slug -> contexts.find(slug, pluginName)).orElse(null);
    if (context == null) {
      // An installation this deployment does not know (uninstalled meanwhile, or another
      // deployment's): the
      // platform must not retry it, so it is answered with success (in the plugin's words when it
      // has some) and
      // nothing is kept.
      answer.put("status", "ignored");
      answer.put("detail", "No community holds this installation.");
      return new AppAnswer(app.unknownInstallationReply(unrouted), answer);
    }
    WebhookRequest routed = WebhookRequest.of(context, lowerCase, body);
    Map<String, Object> ingested =
        ingest(context.community(), pluginName, handler, routed, deliver.identityContent(), answer);
    if (deliver.uninstalled()
        && communities.uninstalled(context.community(), pluginName, deliver.installationKey())) {
      log.info(
          "The {} app was uninstalled from {}; the plugin is disabled there.",
          pluginName,
          context.community());
      ingested.put("uninstalled", true);
    }
    return new AppAnswer(deliver.reply(), ingested);
  }

  /**
   * The answer to an app-level webhook: the plugin's own reply when it shapes one, else the usual
   * JSON. When both are present the reply is sent and the JSON's status says what became of the
   * webhook.
   */
  public record AppAnswer(AppWebhookRoute.Reply reply, Map<String, Object> json) {}

  private static void verify(WebhookHandler handler, WebhookRequest request) {
    try {
      handler.verify(request);
    } catch (WebhookRejectedException e) {
      throw new ApiException(HttpStatus.UNAUTHORIZED, "bad_signature", e.getMessage());
    }
  }

  /**
   * Parses a verified webhook for its community and, in one transaction, records its identity (a
   * hash of {@code identityContent}, which comes from the signed content), keeps its process
   * inputs, signals the processes it concerns and queues its events.
   */
  private Map<String, Object> ingest(
      String community,
      String pluginName,
      WebhookHandler handler,
      WebhookRequest request,
      byte[] identityContent,
      Map<String, Object> answer) {
    ParsedWebhook webhook = handler.parse(request);
    String eventType = webhook.eventType() == null ? null : abbreviate(webhook.eventType());
    String identity = WebhookIdentity.of(community, pluginName, identityContent);
    EventOutbox.Queued queued =
        transaction.execute(
            status -> {
              if (!firstReceipt(identity, community, pluginName, eventType)) {
                answer.put("status", "duplicate");
                return null;
              }
              List<StoredProcess> concerned =
                  processes.openByRoutingKeys(community, pluginName, webhook.routingKeys());
              List<Long> ids = concerned.stream().map(StoredProcess::id).toList();
              List<Long> toSignal;
              if (webhook.processInput() != null) {
                toSignal = processes.raiseHintsLocking(ids);
                ids.forEach(id -> processes.addInput(id, identity, webhook.processInput()));
              } else {
                toSignal = processes.raiseHints(ids);
              }
              int signalled = 0;
              for (StoredProcess process : concerned) {
                if (!toSignal.contains(process.id())) {
                  // A signal is already waiting for the process's next platform read, which will
                  // see this change too.
                  signalled++;
                  continue;
                }
                if (signal(process, new PlatformHint(identity, eventType))) {
                  signalled++;
                } else {
                  // No run took the signal: the next webhook must signal again rather than wait on
                  // this flag.
                  processes.hintTaken(process.id());
                }
              }
              EventOutbox.Queued result =
                  events.queue(community, pluginName, identity, handler, webhook.events());
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
   * Signals a process's workflow. A signal can meet the workflow between two runs (continuing as
   * new), where the server may answer that there is no run; it is tried again briefly before the
   * process is taken to have ended. False when no run took it.
   */
  private boolean signal(StoredProcess process, PlatformHint hint) {
    for (int attempt = 0; ; attempt++) {
      try {
        client.newWorkflowStub(ProcessWorkflow.class, process.workflowId()).platformUpdate(hint);
        if (attempt > 0) {
          log.info(
              "The webhook signal to process {} found no run at first; attempt {} was taken.",
              process.id(),
              attempt + 1);
        }
        return true;
      } catch (WorkflowNotFoundException e) {
        if (attempt == SIGNAL_ATTEMPTS - 1) {
          log.info(
              "The webhook signal to process {} found no run; the process has ended.",
              process.id());
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
    headers.forEach(
        (name, values) -> {
          String value = values.isEmpty() ? "" : values.get(0);
          if (name.length() > MAX_HEADER_LENGTH || value.length() > MAX_HEADER_LENGTH) {
            throw ApiException.badRequest(
                "header_too_long",
                "The header "
                    + abbreviate(name)
                    + " is longer than "
                    + MAX_HEADER_LENGTH
                    + " characters; no platform sends such a webhook header.");
          }
          lowerCase.put(name.toLowerCase(Locale.ROOT), value);
        });
    return lowerCase;
  }

  private static String abbreviate(String name) {
    return name.length() <= 64 ? name : name.substring(0, 64) + "...";
  }

  /**
   * Records the webhook's identity; false when it was already received. Rolled back if the signals
   * fail.
   */
  private boolean firstReceipt(String identity, String community, String plugin, String eventType) {
    return jdbc.sql(
                """
            insert into webhook_receipt (identity, community_slug, plugin_name, event_type) values (?, ?, ?, ?)
            on conflict do nothing
            """)
            .params(identity, community, plugin, eventType)
            .update()
        == 1;
  }

  private static boolean sameSlug(String configured, String given) {
    boolean hasConfigured = configured != null && !configured.isBlank();
    boolean hasGiven = given != null && !given.isBlank();
    if (!hasConfigured || !hasGiven) {
      return hasConfigured == hasGiven;
    }
    return MessageDigest.isEqual(
        configured.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }
}

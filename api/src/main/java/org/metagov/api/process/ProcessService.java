package org.metagov.api.process;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.common.SearchAttributes;
import io.temporal.failure.ApplicationFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.metagov.activities.delivery.DeliveryProperties;
import org.metagov.activities.http.OutboundHttp;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.FieldError;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.metagov.api.action.QualifiedName;
import org.metagov.api.community.CommunityService;
import org.metagov.api.config.PlatformProperties;
import org.metagov.api.config.TemporalProperties;
import org.metagov.api.problem.ApiException;
import org.metagov.api.process.ProcessRepository.StoredProcess;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.process.PlatformCallTimeouts;
import org.metagov.workflows.process.ProcessFailure;
import org.metagov.workflows.process.ProcessRecord;
import org.metagov.workflows.process.ProcessStart;
import org.metagov.workflows.process.ProcessStatus;
import org.metagov.workflows.process.ProcessWorkflow;
import org.metagov.workflows.process.ProcessWorkflowImpl;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Starting, reading, listing and closing governance processes. */
@Service
public class ProcessService {

  /**
   * The start parameter, beside {@code callback_url}, that asks for a callback on every change of
   * the process.
   */
  public static final String CALLBACK_ON_UPDATE = "callback_on_update";

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(ProcessService.class);

  private final CommunityService communities;
  private final PluginRegistry registry;
  private final ProcessRepository repository;
  private final WorkflowClient client;
  private final SearchAttributeSupport searchAttributes;
  private final org.metagov.activities.delivery.OutboundUrlPolicy urlPolicy;
  private final String taskQueue;
  private final Duration reconcileInterval;
  private final DeliveryPolicy deliveryPolicy;
  private final PlatformCallTimeouts platformTimeouts;

  public ProcessService(
      CommunityService communities,
      PluginRegistry registry,
      ProcessRepository repository,
      WorkflowClient client,
      SearchAttributeSupport searchAttributes,
      org.metagov.activities.delivery.OutboundUrlPolicy urlPolicy,
      TemporalProperties temporal,
      ProcessProperties properties,
      DeliveryProperties delivery,
      PlatformProperties platform) {
    this.communities = communities;
    this.registry = registry;
    this.repository = repository;
    this.client = client;
    this.searchAttributes = searchAttributes;
    this.urlPolicy = urlPolicy;
    this.taskQueue = temporal.taskQueue();
    this.reconcileInterval = properties.reconcileInterval();
    this.deliveryPolicy = delivery.policy();
    this.platformTimeouts = new PlatformCallTimeouts(platform.requestTimeout().toMillis());
  }

  public record Started(StoredProcess process, boolean replayed) {}

  public Started start(
      String community, String qualifiedName, JsonNode body, String idempotencyKey) {
    QualifiedName name = QualifiedName.parse(qualifiedName, "process");
    // Whether the plugin is enabled is checked by the insert below, in the same statement that
    // locks it, so a start reads nothing from PostgreSQL before it writes.
    communities.requireAddressable(community);
    org.metagov.activities.plugin.Plugin plugin =
        registry
            .find(name.plugin())
            .orElseThrow(() -> CommunityService.pluginNotFound(name.plugin()));
    ProcessSpec spec =
        PluginRegistry.process(plugin, name.member())
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "process_not_found",
                        "The plugin "
                            + name.plugin()
                            + " has no process named "
                            + name.member()
                            + "; GET /api/internal/plugin/"
                            + name.plugin()
                            + "/metadata lists them."));
    if (body == null || !body.isObject()) {
      throw ApiException.invalid(
          "The body must be a JSON object of the process's parameters.",
          List.of(new FieldError("$", "must be an object")));
    }
    ObjectNode parameters = ((ObjectNode) body).deepCopy();
    String callbackUrl = callbackUrl(parameters.remove("callback_url"));
    boolean liveCallbacks = liveCallbacks(parameters.remove(CALLBACK_ON_UPDATE), callbackUrl);
    ObjectNode filled = Schemas.withDefaults(spec.inputSchema(), parameters);
    List<FieldError> errors = Schemas.validate(spec.inputSchema(), filled, "");
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "The parameters of "
              + qualifiedName
              + " are invalid: "
              + errors.get(0).path()
              + " "
              + errors.get(0).message(),
          errors);
    }
    Instant closingAt = spec.adapter().closingAt(filled, Instant.now());
    // Only a live start adds to the hash, so the hash of every other start stays what it was before
    // live callbacks.
    String requestHash =
        hash(
            qualifiedName
                + "\n"
                + Json.write(filled)
                + "\n"
                + callbackUrl
                + (liveCallbacks ? "\n" + CALLBACK_ON_UPDATE : ""));
    if (idempotencyKey != null) {
      if (idempotencyKey.isBlank() || idempotencyKey.length() > 200) {
        throw ApiException.badRequest(
            "invalid_idempotency_key", "The Idempotency-Key header must be 1 to 200 characters.");
      }
      Optional<StoredProcess> existing = repository.findByIdempotencyKey(community, idempotencyKey);
      if (existing.isPresent()) {
        return replay(existing.get(), requestHash);
      }
    }
    StoredProcess created;
    try {
      long id = repository.nextId();
      ProcessRecord record =
          new ProcessRecord(
              id, name.toString(), community, ProcessStatus.CREATED, null, Map.of(), Map.of());
      created =
          repository
              .insert(
                  id,
                  community,
                  name.plugin(),
                  name.member(),
                  Json.MAPPER.valueToTree(record),
                  ProcessWorkflow.workflowId(community, name.toString(), id),
                  callbackUrl,
                  liveCallbacks,
                  idempotencyKey,
                  requestHash,
                  closingAt,
                  filled)
              .orElseThrow(() -> communities.notEnabled(community, name.plugin()));
    } catch (DuplicateKeyException e) {
      return replay(
          repository.findByIdempotencyKey(community, idempotencyKey).orElseThrow(() -> e),
          requestHash);
    }
    // The row is committed first, so the process is accepted even if the workflow cannot be started
    // now
    // (Temporal down, this instance dying): the sweeper starts it later. Deleting the row instead
    // could
    // orphan a workflow whose start did go through. The row is marked started by the workflow's
    // first
    // projection, not here, so a start costs one write to PostgreSQL.
    try {
      startWorkflow(
          processStart(created, filled, closingAt, callbackUrl, liveCallbacks, plugin),
          created.workflowId(),
          filled);
    } catch (RuntimeException e) {
      log.warn(
          "Process {} is accepted but its workflow could not be started yet; the sweeper will start it: {}",
          created.id(),
          e.toString());
    }
    return new Started(created, false);
  }

  /**
   * Starts the workflows of processes that were committed but never started (their instance died in
   * between). Starting is idempotent by workflow id, so a process whose workflow did start is left
   * alone.
   *
   * @return how many workflows were started
   */
  public int startUnstarted(Duration olderThan) {
    int started = 0;
    for (StoredProcess process : repository.unstarted(olderThan, 100)) {
      if (startStored(process)) {
        started++;
      }
    }
    return started;
  }

  /**
   * Starts the workflow of an accepted process from what PostgreSQL holds of it; false when it had
   * already been started or cannot be.
   */
  private boolean startStored(StoredProcess process) {
    var plugin = registry.find(process.plugin()).orElse(null);
    JsonNode parameters = repository.parameters(process.id());
    if (plugin == null || parameters == null || !(parameters instanceof ObjectNode filled)) {
      log.error(
          "Process {} cannot be started: its plugin or parameters are gone. Marking it so the sweeper moves on.",
          process.id());
      repository.markWorkflowStarted(process.id());
      return false;
    }
    return startWorkflow(
        process,
        filled,
        repository.closingAt(process.id()),
        repository.callbackUrl(process.id()),
        repository.liveCallbacks(process.id()),
        plugin);
  }

  private static boolean reconciles(org.metagov.activities.plugin.Plugin plugin, String process) {
    return PluginRegistry.process(plugin, process)
        .map(spec -> spec.reconciliation() == ProcessSpec.Reconciliation.PERIODIC)
        .orElse(false);
  }

  /**
   * Starts a process's workflow and records that it runs; false when it had already been started.
   */
  private boolean startWorkflow(
      StoredProcess process,
      ObjectNode parameters,
      Instant closingAt,
      String callbackUrl,
      boolean liveCallbacks,
      org.metagov.activities.plugin.Plugin plugin) {
    boolean started =
        startWorkflow(
            processStart(process, parameters, closingAt, callbackUrl, liveCallbacks, plugin),
            process.workflowId(),
            parameters);
    repository.markWorkflowStarted(process.id());
    return started;
  }

  private ProcessStart processStart(
      StoredProcess process,
      ObjectNode parameters,
      Instant closingAt,
      String callbackUrl,
      boolean liveCallbacks,
      org.metagov.activities.plugin.Plugin plugin) {
    return new ProcessStart(
        process.id(),
        process.community(),
        process.plugin(),
        process.process(),
        Json.toMap(parameters),
        closingAt == null ? 0 : closingAt.toEpochMilli(),
        callbackUrl,
        liveCallbacks,
        reconciles(plugin, process.process()) ? reconcileInterval.toSeconds() : 0,
        searchAttributes.registered(),
        deliveryPolicy,
        platformTimeouts,
        null);
  }

  private Started replay(StoredProcess existing, String requestHash) {
    if (!requestHash.equals(existing.requestHash())) {
      throw ApiException.conflict(
          "idempotency_key_reused",
          "This Idempotency-Key was already used for a different request (process "
              + existing.id()
              + "); use a new key.");
    }
    return new Started(existing, true);
  }

  private boolean startWorkflow(ProcessStart start, String workflowId, JsonNode parameters) {
    Map<String, Object> memo = new LinkedHashMap<>();
    memo.put("title", parameters.path("title").asString(start.name()));
    if (start.callbackUrl() != null) {
      // Only where callbacks go: a Driver may put a token in the query, which has no place in
      // Temporal's UI.
      memo.put("callback_url", OutboundHttp.describe(start.callbackUrl()));
    }
    WorkflowOptions.Builder options =
        WorkflowOptions.newBuilder()
            .setWorkflowId(workflowId)
            .setTaskQueue(taskQueue)
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
            .setMemo(memo);
    if (start.searchAttributes()) {
      options.setTypedSearchAttributes(
          SearchAttributes.newBuilder()
              .set(ProcessWorkflowImpl.COMMUNITY, start.community())
              .set(ProcessWorkflowImpl.PROCESS, start.name())
              .set(ProcessWorkflowImpl.STATUS, ProcessStatus.CREATED.wireName())
              .build());
    }
    WorkflowStub workflow =
        client.newUntypedWorkflowStub(ProcessWorkflow.WORKFLOW_TYPE, options.build());
    try {
      workflow.start(start);
      return true;
    } catch (WorkflowExecutionAlreadyStarted e) {
      return false;
    }
  }

  public StoredProcess get(String community, String qualifiedName, long id) {
    QualifiedName name = QualifiedName.parse(qualifiedName, "process");
    StoredProcess process =
        repository
            .find(id)
            .filter(p -> p.plugin().equals(name.plugin()) && p.process().equals(name.member()))
            .filter(
                p -> community == null || community.isBlank() || p.community().equals(community))
            .filter(p -> org.metagov.api.security.CommunityAccess.allowed(p.community()))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "process_not_found",
                        "There is no " + qualifiedName + " process with id " + id + "."));
    return process;
  }

  public JsonNode close(String community, String qualifiedName, long id) {
    StoredProcess process = get(community, qualifiedName, id);
    ProcessSpec spec =
        registry
            .find(process.plugin())
            .flatMap(p -> PluginRegistry.process(p, process.process()))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "process_not_found",
                        "The process type " + qualifiedName + " is no longer installed."));
    if (!spec.closableEarly()) {
      throw ApiException.conflict(
          "cannot_close_early",
          "A "
              + qualifiedName
              + " process cannot be closed early: the platform "
              + "offers no way to close it. It ends at its closing time.");
    }
    if (process.ended()) {
      throw ApiException.conflict(
          "process_ended",
          "The process "
              + id
              + " has already ended with status "
              + process.status().wireName()
              + ".");
    }
    if (process.status() == ProcessStatus.CREATED) {
      // Its workflow may not have been started yet (Temporal was unreachable when it was accepted);
      // start it now rather than wait for the sweeper, so that it can be closed. Starting is
      // idempotent by workflow id.
      startStored(process);
    }
    WorkflowStub stub = client.newUntypedWorkflowStub(process.workflowId());
    try {
      ProcessRecord record = stub.update("close", ProcessRecord.class);
      // The update answers once the final state is projected, so the stored version is that of this
      // record.
      ObjectNode closed = Json.MAPPER.valueToTree(record);
      closed.put(
          "version",
          repository.find(id).map(stored -> stored.record().path("version").asLong()).orElse(0L));
      return closed;
    } catch (WorkflowUpdateException e) {
      ApplicationFailure failure = applicationFailure(e);
      if (failure != null && ProcessFailure.CLOSE_FAILED.is(failure.getType())) {
        throw new ApiException(
            HttpStatus.BAD_GATEWAY,
            "platform_error",
            failure.getOriginalMessage() + " The process is still pending; try again later.");
      }
      throw ApiException.conflict("process_ended", "The process " + id + " has already ended.");
    } catch (io.temporal.client.WorkflowNotFoundException e) {
      throw ApiException.conflict("process_ended", "The process " + id + " has already ended.");
    }
  }

  public List<StoredProcess> list(String community, String status, int limit, int offset) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    ProcessStatus wanted =
        status == null
            ? null
            : ProcessStatus.parse(status)
                .orElseThrow(
                    () -> {
                      String names =
                          Arrays.stream(ProcessStatus.values())
                              .map(ProcessStatus::wireName)
                              .collect(Collectors.joining(", "));
                      return ApiException.invalid(
                          "status must be one of " + names + ".",
                          List.of(new FieldError("status", "must be one of " + names)));
                    });
    if (limit < 1 || limit > 1000 || offset < 0) {
      throw ApiException.invalid(
          "limit must be 1 to 1000 and offset at least 0.",
          List.of(new FieldError("limit", "out of range")));
    }
    return repository.list(community, wanted, limit, offset);
  }

  private static ApplicationFailure applicationFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ApplicationFailure application) {
        return application;
      }
    }
    return null;
  }

  private String callbackUrl(JsonNode value) {
    if (value == null || value.isNull()) {
      return null;
    }
    String url = value.isString() ? value.asString() : null;
    java.util.Optional<String> problem =
        url == null ? java.util.Optional.of("must be a string") : urlPolicy.violation(url);
    if (problem.isPresent()) {
      throw ApiException.invalid(
          "callback_url " + problem.get() + ".",
          List.of(new FieldError("callback_url", problem.get())));
    }
    return url;
  }

  /**
   * Whether the Driver asked for a callback on every change: {@code callback_on_update} is a JSON
   * boolean (absent or null is false), and true needs a {@code callback_url}.
   */
  private static boolean liveCallbacks(JsonNode value, String callbackUrl) {
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw ApiException.invalid(
          CALLBACK_ON_UPDATE + " must be true or false.",
          List.of(new FieldError(CALLBACK_ON_UPDATE, "must be a boolean")));
    }
    if (value.asBoolean() && callbackUrl == null) {
      throw ApiException.invalid(
          CALLBACK_ON_UPDATE + " needs a callback_url to send the updates to.",
          List.of(new FieldError(CALLBACK_ON_UPDATE, "requires callback_url")));
    }
    return value.asBoolean();
  }

  private static String hash(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

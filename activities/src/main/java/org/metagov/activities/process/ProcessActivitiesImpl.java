package org.metagov.activities.process;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.time.Instant;
import java.util.AbstractList;
import java.util.List;
import java.util.function.Supplier;
import org.metagov.activities.http.PlatformHttp;
import org.metagov.activities.http.PlatformRateLimiter;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.NotFoundException;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.PluginContexts;
import org.metagov.activities.plugin.PluginRegistry;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugin.ProcessAdapter.ProcessInstance;
import org.metagov.activities.plugin.ProcessAdapter.ProcessSnapshot;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.metagov.workflows.process.PlatformCall;
import org.metagov.workflows.process.PlatformSnapshot;
import org.metagov.workflows.process.ProcessActivities;
import org.metagov.workflows.process.ProcessFailure;
import org.metagov.workflows.process.ProcessProjection;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** Runs process workflows' platform calls through the plugins' process adapters. */
@Component("processActivities")
public class ProcessActivitiesImpl implements ProcessActivities {

  private final PluginRegistry registry;
  private final PluginContexts contexts;
  private final ProcessStore store;

  private final org.springframework.beans.factory.ObjectProvider<WorkflowClient> client;

  public ProcessActivitiesImpl(
      PluginRegistry registry,
      PluginContexts contexts,
      ProcessStore store,
      org.springframework.beans.factory.ObjectProvider<WorkflowClient> client) {
    this.registry = registry;
    this.contexts = contexts;
    this.store = store;
    this.client = client;
  }

  @Override
  public void startResultDelivery(Delivery delivery, DeliveryPolicy policy) {
    DeliveryWorkflow workflow =
        client
            .getObject()
            .newWorkflowStub(
                DeliveryWorkflow.class,
                WorkflowOptions.newBuilder()
                    .setWorkflowId(DeliveryWorkflow.workflowId(delivery.id()))
                    .setTaskQueue(Activity.getExecutionContext().getInfo().getActivityTaskQueue())
                    // A retried attempt must not start a second delivery after the first one
                    // finished.
                    .setWorkflowIdReusePolicy(
                        WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                    .build());
    try {
      WorkflowClient.start(workflow::deliver, delivery, policy);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // Started by an earlier attempt of this activity.
    }
  }

  private interface AdapterCall {
    ProcessSnapshot apply(ProcessAdapter adapter, PluginContext context, ProcessInstance instance);
  }

  @Override
  public PlatformSnapshot start(PlatformCall call) {
    return run(call, PlatformRateLimiter.Priority.FIRST, ProcessAdapter::start);
  }

  @Override
  public PlatformSnapshot refresh(PlatformCall call) {
    store.hintTaken(call.id());
    return run(call, PlatformRateLimiter.Priority.REREAD, ProcessAdapter::refresh);
  }

  @Override
  public PlatformSnapshot close(PlatformCall call) {
    return run(call, PlatformRateLimiter.Priority.FIRST, ProcessAdapter::close);
  }

  @Override
  public void project(ProcessProjection projection) {
    store.project(projection);
  }

  private PlatformSnapshot run(
      PlatformCall call, PlatformRateLimiter.Priority priority, AdapterCall operation) {
    org.slf4j.MDC.put("community", call.community());
    org.slf4j.MDC.put("process_id", Long.toString(call.id()));
    try {
      return runInContext(call, priority, operation);
    } finally {
      org.slf4j.MDC.remove("community");
      org.slf4j.MDC.remove("process_id");
    }
  }

  private PlatformSnapshot runInContext(
      PlatformCall call, PlatformRateLimiter.Priority priority, AdapterCall operation) {
    String name = call.plugin() + "." + call.process();
    Plugin plugin =
        registry
            .find(call.plugin())
            .orElseThrow(
                () ->
                    ApplicationFailure.newNonRetryableFailure(
                        "The plugin " + call.plugin() + " is not installed.",
                        ProcessFailure.CONFIG_MISSING.type()));
    ProcessSpec spec =
        PluginRegistry.process(plugin, call.process())
            .orElseThrow(
                () ->
                    ApplicationFailure.newNonRetryableFailure(
                        "The plugin " + call.plugin() + " has no process " + call.process() + ".",
                        ProcessFailure.CONFIG_MISSING.type()));
    PluginContext context =
        contexts
            .find(call.community(), call.plugin())
            .orElseThrow(
                () ->
                    ApplicationFailure.newNonRetryableFailure(
                        "The community "
                            + call.community()
                            + " no longer enables the plugin "
                            + call.plugin()
                            + ".",
                        ProcessFailure.CONFIG_MISSING.type()));
    context = forCall(context, priority);
    ProcessInstance instance =
        new ProcessInstance(
            call.id(),
            call.community(),
            Json.fromMap(call.parameters()),
            Json.fromMap(call.platformState()),
            new StoredInputs(() -> store.inputs(call.id())));
    try {
      ProcessSnapshot snapshot = operation.apply(spec.adapter(), context, instance);
      return new PlatformSnapshot(
          snapshot.platformState() == null ? null : Json.toMap(snapshot.platformState()),
          snapshot.outcome() == null ? null : Json.toMap(snapshot.outcome()),
          snapshot.url(),
          snapshot.closed(),
          snapshot.routingKeys());
    } catch (PlatformException e) {
      if (e.kind() == PlatformException.Kind.RATE_LIMITED && e.retryAfter() != null) {
        // The platform said when to come back; the next attempt waits that long instead of the
        // usual backoff.
        throw ApplicationFailure.newBuilder()
            .setMessage(e.getMessage())
            .setType(ProcessFailure.PLATFORM_UNAVAILABLE.type())
            .setNextRetryDelay(e.retryAfter())
            .build();
      }
      if (e.retryable()) {
        throw ApplicationFailure.newFailure(
            e.getMessage(), ProcessFailure.PLATFORM_UNAVAILABLE.type());
      }
      if (e.platformStatus() == 401 || e.platformStatus() == 403) {
        throw ApplicationFailure.newFailure(
            e.getMessage(), ProcessFailure.PLATFORM_UNAUTHORIZED.type());
      }
      throw ApplicationFailure.newNonRetryableFailure(
          e.getMessage(), ProcessFailure.PLATFORM_REJECTED.type());
    } catch (InvalidInputException | NotFoundException e) {
      throw ApplicationFailure.newNonRetryableFailure(
          name + ": " + e.getMessage(), ProcessFailure.PLATFORM_REJECTED.type());
    }
  }

  /**
   * The context an attempt calls its platform with: re-reads wait behind creations and closes at
   * the rate limiter. A remote attempt heartbeats before each platform call it makes, so when its
   * worker dies the server notices within the heartbeat timeout (a request deadline and a margin)
   * and retries it elsewhere, rather than after the attempt's whole start-to-close timeout. A local
   * attempt dies with its workflow task, which is retried anyway.
   */
  private static PluginContext forCall(
      PluginContext context, PlatformRateLimiter.Priority priority) {
    PlatformHttp http =
        priority == PlatformRateLimiter.Priority.REREAD
            ? context.http().rereading()
            : context.http();
    ActivityExecutionContext activity = Activity.getExecutionContext();
    if (!activity.getInfo().isLocal()) {
      http = http.reportingProgress(() -> activity.heartbeat(null));
    }
    return new PluginContext(context.community(), context.config(), http, context.state());
  }

  /** The deadline of a process about to start, from its adapter. */
  public static Instant closingAt(
      ProcessSpec spec, tools.jackson.databind.JsonNode parameters, Instant now) {
    return spec.adapter().closingAt(parameters, now);
  }

  /**
   * A process's inputs, read from the store the first time an adapter looks at them: most processes
   * never do (their platform is re-read instead), and they spare a query on every call.
   */
  private static final class StoredInputs extends AbstractList<JsonNode> {
    private final Supplier<List<JsonNode>> load;
    private List<JsonNode> inputs;

    StoredInputs(Supplier<List<JsonNode>> load) {
      this.load = load;
    }

    private List<JsonNode> inputs() {
      if (inputs == null) {
        inputs = List.copyOf(load.get());
      }
      return inputs;
    }

    @Override
    public JsonNode get(int index) {
      return inputs().get(index);
    }

    @Override
    public int size() {
      return inputs().size();
    }
  }
}

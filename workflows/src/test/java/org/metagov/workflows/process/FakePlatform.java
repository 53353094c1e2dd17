package org.metagov.workflows.process;

import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryActivities;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflow;

/**
 * In-memory activities for workflow tests: a platform whose votes the test sets, that can be made
 * to fail, and a Driver that records what it was sent.
 */
class FakePlatform implements ProcessActivities, DeliveryActivities, LiveCallbackActivities {

  volatile Map<String, Object> votes = Map.of("yes", 0, "no", 0);
  volatile boolean closedOnPlatform;
  final AtomicInteger starts = new AtomicInteger();
  final AtomicInteger refreshes = new AtomicInteger();
  final AtomicInteger closes = new AtomicInteger();
  final AtomicInteger startFailuresLeft = new AtomicInteger();
  final AtomicInteger closeFailuresLeft = new AtomicInteger();
  volatile boolean rejectStart;
  volatile boolean rejectRefresh;
  volatile boolean refuseCredentials;
  final List<ProcessProjection> projections = new CopyOnWriteArrayList<>();
  final AtomicInteger deliveryFailuresLeft = new AtomicInteger();
  final List<Delivery> sent = new CopyOnWriteArrayList<>();
  final AtomicInteger sendAttempts = new AtomicInteger();
  final List<String> finished = new CopyOnWriteArrayList<>();

  @Override
  public PlatformSnapshot start(PlatformCall call) {
    starts.incrementAndGet();
    if (rejectStart) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Loomio answered 422: closing_at must be in the future",
          ProcessFailure.PLATFORM_REJECTED.type());
    }
    if (startFailuresLeft.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailure(
          "Loomio answered 503", ProcessFailure.PLATFORM_UNAVAILABLE.type());
    }
    return snapshot(false);
  }

  @Override
  public PlatformSnapshot refresh(PlatformCall call) {
    refreshes.incrementAndGet();
    if (refuseCredentials) {
      throw ApplicationFailure.newFailure(
          "Loomio answered 403: check the api_key", ProcessFailure.PLATFORM_UNAUTHORIZED.type());
    }
    if (rejectRefresh) {
      throw ApplicationFailure.newNonRetryableFailure(
          "Loomio answered 404: the poll was deleted", ProcessFailure.PLATFORM_REJECTED.type());
    }
    return snapshot(closedOnPlatform);
  }

  @Override
  public PlatformSnapshot close(PlatformCall call) {
    closes.incrementAndGet();
    if (closeFailuresLeft.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailure(
          "Discourse answered 502", ProcessFailure.PLATFORM_UNAVAILABLE.type());
    }
    return snapshot(true);
  }

  /** Projection attempts that fail first, as writes do while PostgreSQL or its pool is gone. */
  final AtomicInteger projectFailuresLeft = new AtomicInteger();

  /** Projection attempts refused outright (non-retryable) before those that fail. */
  final AtomicInteger projectRefusalsLeft = new AtomicInteger();

  final AtomicInteger projectAttempts = new AtomicInteger();

  @Override
  public void project(ProcessProjection projection) {
    projectAttempts.incrementAndGet();
    if (projectRefusalsLeft.getAndDecrement() > 0) {
      throw ApplicationFailure.newNonRetryableFailure(
          "The projection was refused", "ProjectionRefused");
    }
    if (projectFailuresLeft.getAndDecrement() > 0) {
      throw new IllegalStateException("Could not get a JDBC connection: the pool is exhausted");
    }
    projections.add(projection);
  }

  ProcessProjection lastProjection() {
    return projections.get(projections.size() - 1);
  }

  private PlatformSnapshot snapshot(boolean closed) {
    return new PlatformSnapshot(
        Map.of("poll_key", "abc123"),
        Map.of("poll_url", "https://loomio.test/p/abc123", "votes", votes),
        "https://loomio.test/p/abc123",
        closed,
        List.of("poll:abc123"));
  }

  /**
   * The test environment's client, through which the result delivery is started as its own
   * workflow.
   */
  volatile WorkflowClient client;

  @Override
  public void startResultDelivery(Delivery delivery, DeliveryPolicy policy) {
    DeliveryWorkflow workflow =
        client.newWorkflowStub(
            DeliveryWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(DeliveryWorkflow.workflowId(delivery.id()))
                .setTaskQueue(Activity.getExecutionContext().getInfo().getActivityTaskQueue())
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(workflow::deliver, delivery, policy);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // Started by an earlier attempt.
    }
  }

  @Override
  public void register(Delivery delivery) {}

  @Override
  public void send(Delivery delivery) {
    sendAttempts.incrementAndGet();
    if (deliveryFailuresLeft.getAndDecrement() > 0) {
      throw ApplicationFailure.newFailure("the receiver answered 503", "DeliveryFailed");
    }
    sent.add(delivery);
  }

  @Override
  public void finish(String deliveryId, boolean delivered, String lastError) {
    finished.add(deliveryId + (delivered ? ":delivered" : ":dead"));
  }

  /** The live updates the Driver accepted, as (version, body) in the order it accepted them. */
  final List<Map<String, Object>> updates = new CopyOnWriteArrayList<>();

  final AtomicInteger updateAttempts = new AtomicInteger();
  final AtomicInteger updateFailuresLeft = new AtomicInteger();

  /** Announcements that fail first, as signals do while the Temporal frontend is unreachable. */
  final AtomicInteger announceFailuresLeft = new AtomicInteger();

  @Override
  public void announceChange(LiveCallbacks callbacks, long version) {
    if (announceFailuresLeft.getAndDecrement() > 0) {
      throw new IllegalStateException("UNAVAILABLE: the Temporal frontend did not answer");
    }
    signalWithStart(callbacks, (request, workflow) -> request.add(workflow::changed, version));
  }

  @Override
  public void announceEnd(LiveCallbacks callbacks, Delivery result) {
    signalWithStart(callbacks, (request, workflow) -> request.add(workflow::ended, result));
  }

  private void signalWithStart(
      LiveCallbacks callbacks,
      java.util.function.BiConsumer<io.temporal.client.BatchRequest, LiveCallbackWorkflow> signal) {
    LiveCallbackWorkflow workflow =
        client.newWorkflowStub(
            LiveCallbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(LiveCallbackWorkflow.workflowId(callbacks.processId()))
                .setTaskQueue(Activity.getExecutionContext().getInfo().getActivityTaskQueue())
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    io.temporal.client.BatchRequest request = client.newSignalWithStartRequest();
    request.add(workflow::run, callbacks);
    signal.accept(request, workflow);
    try {
      client.signalWithStart(request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // It already ended.
    }
  }

  /** Sends the newest projection, as the real activity sends the newest row of PostgreSQL. */
  @Override
  public UpdateAttempt sendLatestUpdate(LiveCallbacks callbacks, long acknowledgedVersion) {
    ProcessProjection current =
        projections.stream()
            .filter(p -> p.record().id() == callbacks.processId())
            .reduce((first, second) -> second)
            .orElse(null);
    if (current == null) {
      return new UpdateAttempt(UpdateResult.NOTHING_NEWER, acknowledgedVersion, null);
    }
    if (current.record().ended()) {
      return new UpdateAttempt(UpdateResult.ENDED, current.version(), null);
    }
    if (current.version() <= acknowledgedVersion) {
      return new UpdateAttempt(UpdateResult.NOTHING_NEWER, current.version(), null);
    }
    updateAttempts.incrementAndGet();
    if (updateFailuresLeft.getAndDecrement() > 0) {
      return new UpdateAttempt(UpdateResult.FAILED, current.version(), "the receiver answered 503");
    }
    updates.add(current.record().liveCallbackBody(current.version(), false));
    return new UpdateAttempt(UpdateResult.DELIVERED, current.version(), null);
  }

  /** The versions of the accepted live updates, in the order the Driver accepted them. */
  List<Long> updateVersions() {
    List<Long> versions = new ArrayList<>();
    updates.forEach(body -> versions.add((Long) body.get("version")));
    return versions;
  }

  List<ProcessStatus> statuses() {
    List<ProcessStatus> statuses = new ArrayList<>();
    projections.forEach(p -> statuses.add(p.record().status()));
    return statuses;
  }
}

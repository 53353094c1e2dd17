package org.metagov.activities.process;

import io.temporal.activity.Activity;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.BatchRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import org.metagov.activities.delivery.DriverSender;
import org.metagov.activities.json.Json;
import org.metagov.activities.process.ProcessStore.Projected;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.process.LiveCallbackActivities;
import org.metagov.workflows.process.LiveCallbackWorkflow;
import org.metagov.workflows.process.LiveCallbacks;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** Signals live callback workflows and sends their updates through the {@link DriverSender}. */
@Component("liveCallbackActivities")
public class LiveCallbackActivitiesImpl implements LiveCallbackActivities {

  private final ProcessStore store;
  private final DriverSender sender;
  private final ObjectProvider<WorkflowClient> client;

  public LiveCallbackActivitiesImpl(
      ProcessStore store, DriverSender sender, ObjectProvider<WorkflowClient> client) {
    this.store = store;
    this.sender = sender;
    this.client = client;
  }

  /** The {@code webhook-id} of one version's update: the same on every attempt at that version. */
  public static String updateId(long processId, long version) {
    return "process-" + processId + "-update-" + version;
  }

  @Override
  public void announceChange(LiveCallbacks callbacks, long version) {
    signalWithStart(callbacks, (request, workflow) -> request.add(workflow::changed, version));
  }

  @Override
  public void announceEnd(LiveCallbacks callbacks, Delivery result) {
    signalWithStart(callbacks, (request, workflow) -> request.add(workflow::ended, result));
  }

  private interface Signal {
    void add(BatchRequest request, LiveCallbackWorkflow workflow);
  }

  private void signalWithStart(LiveCallbacks callbacks, Signal signal) {
    WorkflowClient workflowClient = client.getObject();
    LiveCallbackWorkflow workflow =
        workflowClient.newWorkflowStub(
            LiveCallbackWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(LiveCallbackWorkflow.workflowId(callbacks.processId()))
                .setTaskQueue(Activity.getExecutionContext().getInfo().getActivityTaskQueue())
                // Once it has handed over the final callback, nothing may start it again.
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                .build());
    BatchRequest request = workflowClient.newSignalWithStartRequest();
    request.add(workflow::run, callbacks);
    signal.add(request, workflow);
    try {
      workflowClient.signalWithStart(request);
    } catch (WorkflowExecutionAlreadyStarted e) {
      // It already ended: a repeated announcement after the final callback was handed over.
    }
  }

  @Override
  public UpdateAttempt sendLatestUpdate(LiveCallbacks callbacks, long acknowledgedVersion) {
    Projected current = store.projected(callbacks.processId()).orElse(null);
    if (current == null) {
      return new UpdateAttempt(UpdateResult.NOTHING_NEWER, acknowledgedVersion, null);
    }
    if (current.record().ended()) {
      return new UpdateAttempt(UpdateResult.ENDED, current.version(), null);
    }
    if (current.version() <= acknowledgedVersion) {
      return new UpdateAttempt(UpdateResult.NOTHING_NEWER, current.version(), null);
    }
    String body = Json.write(current.record().liveCallbackBody(current.version(), false));
    DriverSender.Outcome outcome =
        sender.send(
            updateId(callbacks.processId(), current.version()), callbacks.callbackUrl(), body);
    UpdateResult result =
        switch (outcome.verdict()) {
          case DELIVERED -> UpdateResult.DELIVERED;
          case REFUSED -> UpdateResult.REFUSED;
          case RETRY -> UpdateResult.FAILED;
        };
    return new UpdateAttempt(result, current.version(), outcome.error());
  }
}

package org.metagov.workflows.delivery;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.metagov.workflows.Failures;

public class DeliveryWorkflowImpl implements DeliveryWorkflow {

  private final DeliveryActivities store =
      Workflow.newActivityStub(
          DeliveryActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(Duration.ofSeconds(15))
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofSeconds(1))
                      .setMaximumInterval(Duration.ofMinutes(1))
                      .build())
              .build());

  @Override
  public boolean deliver(Delivery delivery, DeliveryPolicy policy) {
    store.register(delivery);
    DeliveryActivities sender =
        Workflow.newActivityStub(
            DeliveryActivities.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setScheduleToCloseTimeout(
                    Duration.ofSeconds(Math.max(1, policy.giveUpAfterSeconds())))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofSeconds(1))
                        .setBackoffCoefficient(2.0)
                        .setMaximumInterval(
                            Duration.ofSeconds(Math.max(1, policy.maxBackoffSeconds())))
                        .build())
                .build());
    try {
      sender.send(delivery);
      store.finish(delivery.id(), true, null);
      return true;
    } catch (ActivityFailure failure) {
      store.finish(delivery.id(), false, Failures.message(failure));
      return false;
    }
  }
}

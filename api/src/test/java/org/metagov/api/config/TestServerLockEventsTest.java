package org.metagov.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TestServerLockEventsTest {

  private static final String QUEUE = "lock-events";
  private static final int ACTIVITIES = 200;

  @WorkflowInterface
  public interface Steps {
    /** Runs {@code activities} activities one after the other, then sleeps for a day. */
    @WorkflowMethod
    int run(int activities);
  }

  @ActivityInterface
  public interface Step {
    int step(int i);
  }

  public static class StepsImpl implements Steps {
    private final Step step =
        Workflow.newActivityStub(
            Step.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(10)).build());

    @Override
    public int run(int activities) {
      int sum = 0;
      for (int i = 0; i < activities; i++) {
        sum += step.step(i);
      }
      Workflow.sleep(Duration.ofDays(1));
      return sum;
    }
  }

  @Test
  void theServerKeepsEveryNamedLockEventUnlessMended() throws Exception {
    try (TestWorkflowEnvironment environment = environment()) {
      assertThat(run(environment)).isEqualTo(ACTIVITIES * (ACTIVITIES - 1) / 2);
      // Each activity's named lock and unlock stay in the list for good.
      assertThat(TestServerLockEvents.heldEvents(environment)).isGreaterThan(2 * ACTIVITIES);
    }
  }

  @Test
  void theMendedServerHoldsOnlyTheEventsOfLocksStillHeldAndStillSkipsTime() throws Exception {
    try (TestWorkflowEnvironment environment = environment()) {
      assertThat(TestServerLockEvents.install(environment)).isTrue();
      assertThat(TestServerLockEvents.install(environment)).isTrue();

      long before = System.nanoTime();
      // The workflow sleeps a day after its activities; the client's wait for its result lets the
      // server skip that day, which it does only while its lock count is right.
      assertThat(run(environment)).isEqualTo(ACTIVITIES * (ACTIVITIES - 1) / 2);
      assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofMinutes(1));

      awaitHeldEventsBelow(environment, 20);
      // A second workflow runs on the mended server as the first did.
      assertThat(run(environment)).isEqualTo(ACTIVITIES * (ACTIVITIES - 1) / 2);
    }
  }

  /**
   * Waits until the server holds fewer than {@code limit} lock events: weakly held events leave
   * once a collection has cleared them and the JVM has queued them.
   */
  static void awaitHeldEventsBelow(TestWorkflowEnvironment environment, int limit) {
    await("lock events collected")
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> {
              System.gc();
              return TestServerLockEvents.heldEvents(environment) < limit;
            });
  }

  private static TestWorkflowEnvironment environment() {
    TestWorkflowEnvironment environment = TestWorkflowEnvironment.newInstance();
    Worker worker = environment.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(StepsImpl.class);
    worker.registerActivitiesImplementations((Step) i -> i);
    environment.start();
    return environment;
  }

  private static int run(TestWorkflowEnvironment environment) {
    return environment
        .getWorkflowClient()
        .newWorkflowStub(Steps.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).build())
        .run(ACTIVITIES);
  }
}

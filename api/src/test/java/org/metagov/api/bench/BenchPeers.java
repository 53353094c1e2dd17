package org.metagov.api.bench;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import io.temporal.activity.ActivityOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.common.RetryOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.metagov.activities.json.Json;
import tools.jackson.databind.JsonNode;

/**
 * The fair peers of the benchmark: the bare Temporal SDK doing the same work as the Driver API,
 * with a worker of its own on the same server as the application's. Nothing here touches PostgreSQL
 * or the API's code.
 */
final class BenchPeers {

  static final String START_QUEUE = "bench-peer-starts";
  static final String TALLY_QUEUE = "bench-peer-tallies";

  private static final ActivityOptions ACTIVITY_OPTIONS =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(20))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(3).build())
          .build();

  private BenchPeers() {}

  /**
   * Starts a worker for both peers on {@code client}'s server; the caller shuts the factory down.
   */
  static WorkerFactory startWorkers(WorkflowClient client) {
    WorkerFactory factory = WorkerFactory.newInstance(client);
    factory.newWorker(START_QUEUE).registerWorkflowImplementationTypes(StartPeerImpl.class);
    factory.getWorker(START_QUEUE).registerActivitiesImplementations(new PeerActivitiesImpl());
    factory.newWorker(TALLY_QUEUE).registerWorkflowImplementationTypes(TallyPeerImpl.class);
    factory.getWorker(TALLY_QUEUE).registerActivitiesImplementations(new PeerActivitiesImpl());
    factory.start();
    return factory;
  }

  /**
   * The start peer: a process that does one activity and then waits on its timer, as a process
   * start does.
   */
  @WorkflowInterface
  public interface StartPeer {
    @WorkflowMethod
    void run(int delaySeconds);
  }

  /**
   * The webhook peer: a signal says the platform changed, one activity reads the post from the same
   * fake forum, and the query shows the new tally, as a webhook, a refresh and a GET do for a
   * Discourse poll.
   */
  @WorkflowInterface
  public interface TallyPeer {
    @WorkflowMethod
    void run(String forumUrl, long postId);

    @SignalMethod
    void changed();

    @QueryMethod
    long yes();
  }

  @ActivityInterface
  public interface PeerActivities {
    @ActivityMethod
    String begin(int delaySeconds);

    /** The "Yes" votes of a post's poll, read from the forum. */
    @ActivityMethod
    long readYes(String forumUrl, long postId);
  }

  public static class StartPeerImpl implements StartPeer {
    private final PeerActivities activities =
        Workflow.newActivityStub(PeerActivities.class, ACTIVITY_OPTIONS);

    @Override
    public void run(int delaySeconds) {
      activities.begin(delaySeconds);
      Workflow.sleep(Duration.ofSeconds(delaySeconds));
    }
  }

  public static class TallyPeerImpl implements TallyPeer {
    private final PeerActivities activities =
        Workflow.newActivityStub(PeerActivities.class, ACTIVITY_OPTIONS);
    private int changes;
    private int reads;
    private long yes = -1;

    @Override
    public void run(String forumUrl, long postId) {
      yes = activities.readYes(forumUrl, postId);
      while (reads < 1_000) {
        Workflow.await(() -> changes > reads);
        reads = changes;
        yes = activities.readYes(forumUrl, postId);
      }
    }

    @Override
    public void changed() {
      changes++;
    }

    @Override
    public long yes() {
      return yes;
    }
  }

  /** How many start peers have run their activity, in this JVM. */
  static long begun() {
    return PeerActivitiesImpl.BEGUN.get();
  }

  static final class PeerActivitiesImpl implements PeerActivities {
    private static final AtomicLong BEGUN = new AtomicLong();

    private static final HttpClient HTTP =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Override
    public String begin(int delaySeconds) {
      BEGUN.incrementAndGet();
      return "waiting " + delaySeconds + " s";
    }

    @Override
    public long readYes(String forumUrl, long postId) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(forumUrl + "/posts/" + postId + ".json"))
              .timeout(Duration.ofSeconds(10))
              .GET()
              .build();
      try {
        HttpResponse<String> response =
            HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) {
          throw new IllegalStateException("forum answered " + response.statusCode());
        }
        for (JsonNode option : Json.parse(response.body()).path("polls").path(0).path("options")) {
          if ("Yes".equals(option.path("html").asString())) {
            return option.path("votes").asLong();
          }
        }
        throw new IllegalStateException("post " + postId + " has no Yes option");
      } catch (IOException e) {
        throw new IllegalStateException("forum unreachable: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }
}

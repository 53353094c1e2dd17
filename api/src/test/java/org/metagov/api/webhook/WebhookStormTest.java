package org.metagov.api.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.client.WireMock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.process.FakeDiscourse;
import org.metagov.api.process.ProcessTestSupport;
import org.metagov.workflows.process.ProcessWorkflow;
import tools.jackson.databind.JsonNode;

/**
 * A steady storm of webhooks about one open Discourse poll, through the HTTP receiver: every
 * webhook is accepted, the poll ends with the tally the platform shows after the last one, and no
 * run of the process workflow grows past a bound, because webhooks that arrive while a signal
 * already waits do not signal again and the workflow continues as new with a read owed.
 */
class WebhookStormTest extends ProcessTestSupport {

  static final int WEBHOOKS = 5_000;

  /**
   * The process workflow continues as new past 2,000 events; a run may finish the wake it is in.
   */
  static final int HISTORY_BOUND = 2_500;

  FakeDiscourse discourse = new FakeDiscourse();

  @AfterEach
  void stopFake() {
    discourse.stop();
  }

  @Test
  void fiveThousandWebhooksToOneOpenPollEndWithTheRightTallyAndBoundedHistories() throws Exception {
    String slug = uniqueSlug("storm");
    putCommunity(slug, "[" + discourse.pluginJson() + "]");
    discourse.acceptsPolls(0, 0);
    String closingAt =
        temporalNow().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS).toString();
    String location =
        started(
            slug,
            "discourse.poll",
            "{\"title\": \""
                + FakeDiscourse.TITLE
                + "\", \"options\": [\"Yes\", \"No\"],"
                + " \"closing_at\": \""
                + closingAt
                + "\"}");
    awaitStatus(slug, location, "pending");

    long started = System.nanoTime();
    ExecutorService senders = Executors.newFixedThreadPool(2);
    List<Future<Response>> answers = new ArrayList<>();
    for (int i = 1; i <= WEBHOOKS; i++) {
      int votes = i;
      answers.add(
          senders.submit(
              () -> {
                String body = FakeDiscourse.postEvent("vote " + votes);
                return send(
                    "POST",
                    "/api/hooks/" + slug + "/discourse",
                    body,
                    discourse.webhookHeaders(
                        Integer.toString(votes),
                        "post_edited",
                        FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, body)));
              }));
    }
    for (Future<Response> answer : answers) {
      Response response = answer.get();
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      assertThat(response.json().path("status").asString()).isEqualTo("accepted");
    }
    senders.shutdown();
    double stormSeconds = (System.nanoTime() - started) / 1e9;

    // The last tally change is followed by webhooks, so the process must show it without a
    // reconciliation.
    discourse.shows(WEBHOOKS, 0);
    String last = FakeDiscourse.postEvent("the last vote");
    Response lastAnswer =
        send(
            "POST",
            "/api/hooks/" + slug + "/discourse",
            last,
            discourse.webhookHeaders(
                "999999",
                "post_edited",
                FakeDiscourse.signature(FakeDiscourse.WEBHOOK_SECRET, last)));
    assertThat(lastAnswer.json().path("status").asString())
        .as(lastAnswer.body())
        .isEqualTo("accepted");
    assertThat(lastAnswer.json().path("processes").asInt()).isEqualTo(1);
    // A read that times out on a loaded machine is retried with backoff (the test platform timeout
    // is 1 s),
    // so this waits generously; what it proves is that the last webhook is not lost, not how fast
    // it shows.
    await()
        .atMost(Duration.ofMinutes(6))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () ->
                assertThat(
                        record(slug, location).path("outcome").path("votes").path("Yes").asLong())
                    .as(
                        "the tally after the last webhook (platform reads so far: %d)",
                        discourse.postReads())
                    .isEqualTo(WEBHOOKS));

    discourse.server.stubFor(
        WireMock.put(WireMock.urlEqualTo("/polls/toggle_status"))
            .willReturn(
                WireMock.okJson(
                    "{\"poll\": " + FakeDiscourse.pollJson("closed", WEBHOOKS, 0) + "}")));
    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    JsonNode record = closed.json();
    assertThat(record.path("status").asString()).isEqualTo("completed");
    assertThat(record.path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": " + WEBHOOKS + ", \"No\": 0}"));

    JsonNode ended = record(slug, location);
    List<Integer> lengths =
        historyLengths(
            ProcessWorkflow.workflowId(
                ended.path("community").asString(),
                ended.path("name").asString(),
                ended.path("id").asLong()));
    int longest = lengths.stream().mapToInt(Integer::intValue).max().orElseThrow();
    System.out.printf(
        "storm figures: webhooks=%d storm_seconds=%.1f platform_reads=%d runs=%d longest_history=%d bound=%d%n",
        WEBHOOKS + 1, stormSeconds, discourse.postReads(), lengths.size(), longest, HISTORY_BOUND);
    assertThat(longest).isLessThanOrEqualTo(HISTORY_BOUND);
  }
}

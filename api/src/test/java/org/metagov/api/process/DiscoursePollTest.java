package org.metagov.api.process;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code discourse.poll} against a fake Discourse: the poll post, and closing it early with DELETE.
 */
class DiscoursePollTest extends ProcessTestSupport {

  private static final String POLL = "discourse.poll";

  private FakeDiscourse discourse;

  @BeforeEach
  void fake() {
    discourse = new FakeDiscourse();
  }

  @AfterEach
  void stopFake() {
    discourse.stop();
  }

  private String community() {
    String slug = uniqueSlug("discourse");
    putCommunity(slug, "[" + discourse.pluginJson() + "]");
    return slug;
  }

  private String pollBody() {
    String closingAt =
        temporalNow().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS).toString();
    return "{\"title\": \""
        + FakeDiscourse.TITLE
        + "\", \"options\": [\"Yes\", \"No\"], \"details\": \"Please vote.\","
        + " \"closing_at\": \""
        + closingAt
        + "\"}";
  }

  private void togglesTo(String pollJson) {
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/polls/toggle_status"))
            .willReturn(okJson("{\"poll\": " + pollJson + "}")));
  }

  @Test
  void deleteClosesThePollOnDiscourseAndAnswersTheFinalRecord() {
    String slug = community();
    discourse.acceptsPolls(0, 0);
    String location = started(slug, POLL, pollBody());

    JsonNode pending = awaitStatus(slug, location, "pending");
    List<LoggedRequest> creates =
        discourse.server.findAll(postRequestedFor(urlEqualTo("/posts.json")));
    assertThat(creates).hasSize(1);
    assertThat(creates.get(0).getHeader("Api-Key")).isEqualTo(FakeDiscourse.API_KEY);
    assertThat(creates.get(0).getHeader("Api-Username")).isEqualTo("system");
    JsonNode created = json(creates.get(0).getBodyAsString());
    assertThat(created.path("title").asString()).isEqualTo(FakeDiscourse.TITLE);
    assertThat(created.path("raw").asString())
        .contains("[poll name=poll")
        .contains("* Yes\n* No\n[/poll]")
        .contains("metagov-process:" + slug + ":" + idOf(location));
    assertThat(pending.path("outcome").path("poll_url").asString())
        .isEqualTo(discourse.baseUrl() + "/t/should-we-adopt-policy-x/45/1");

    togglesTo(FakeDiscourse.pollJson("closed", 4, 0));
    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    JsonNode record = closed.json();
    assertThat(record.path("status").asString()).isEqualTo("completed");
    assertThat(record.path("outcome").path("votes")).isEqualTo(json("{\"Yes\": 4, \"No\": 0}"));
    assertThat(record.path("outcome").path("status").asString()).isEqualTo("closed");

    List<LoggedRequest> toggles =
        discourse.server.findAll(putRequestedFor(urlEqualTo("/polls/toggle_status")));
    assertThat(toggles).hasSize(1);
    assertThat(
            equalToJson("{\"post_id\": 123, \"poll_name\": \"poll\", \"status\": \"closed\"}")
                .match(toggles.get(0).getBodyAsString())
                .isExactMatch())
        .as(toggles.get(0).getBodyAsString())
        .isTrue();
    assertThat(toggles.get(0).getHeader("Api-Key")).isEqualTo(FakeDiscourse.API_KEY);

    JsonNode read = record(slug, location);
    assertThat(read.path("status").asString()).isEqualTo("completed");
    assertThat(read.path("outcome").path("votes")).isEqualTo(json("{\"Yes\": 4, \"No\": 0}"));
    assertProblem(deleteAs(slug, location), 409, "process_ended");
    assertThat(discourse.server.findAll(putRequestedFor(urlEqualTo("/polls/toggle_status"))))
        .hasSize(1);
  }

  @Test
  void aDeleteDiscourseFailsIs502AndTheProcessStaysPending() {
    String slug = community();
    discourse.acceptsPolls(1, 1);
    String location = started(slug, POLL, pollBody());
    awaitStatus(slug, location, "pending");

    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/polls/toggle_status"))
            .willReturn(
                aResponse()
                    .withStatus(500)
                    .withHeader("Content-Type", "text/html")
                    .withBody("<h1>Internal Server Error</h1>")));
    JsonNode problem = assertProblem(deleteAs(slug, location), 502, "platform_error");
    assertThat(problem.path("detail").asString()).contains("pending");
    assertThat(discourse.server.findAll(putRequestedFor(urlEqualTo("/polls/toggle_status"))))
        .hasSizeGreaterThan(1);

    JsonNode still = record(slug, location);
    assertThat(still.path("status").asString()).isEqualTo("pending");
    assertThat(listedIds(slug, "pending")).containsExactly(idOf(location));

    // Once Discourse recovers, the DELETE can be repeated.
    togglesTo(FakeDiscourse.pollJson("closed", 1, 2));
    Response closed = deleteAs(slug, location);
    assertThat(closed.status()).as(closed.body()).isEqualTo(200);
    assertThat(closed.json().path("outcome").path("votes"))
        .isEqualTo(json("{\"Yes\": 1, \"No\": 2}"));
  }
}

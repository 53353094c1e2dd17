package org.metagov.api.action;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.WireMock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.IntegrationTest;
import org.metagov.api.process.FakeDiscourse;
import tools.jackson.databind.JsonNode;

/**
 * The Discourse actions a gateway-era Driver calls, against a fake Discourse (WireMock on
 * 127.0.0.1) answering as Discourse's routes do: the gateway's parameter and output names, and
 * deleting, recovering and locking posts and topics.
 */
class DiscourseActionTest extends IntegrationTest {

  private FakeDiscourse discourse;
  private String slug;

  @BeforeEach
  void setUp() {
    discourse = new FakeDiscourse();
    slug = uniqueSlug("discourse-actions");
    putCommunity(slug, "[" + discourse.pluginJson() + "]");
  }

  @AfterEach
  void tearDown() {
    discourse.stop();
  }

  private static String createdPost(long id, long topicId) {
    return "{\"id\": "
        + id
        + ", \"topic_id\": "
        + topicId
        + ", \"topic_slug\": \"a-private-word\", \"post_number\": 1,"
        + " \"username\": \"system\", \"raw\": \"hello\"}";
  }

  @Test
  void createMessageTakesTheGatewaysTargetUsernamesAndAnswersPostIdBesideId() {
    discourse.server.stubFor(
        WireMock.post(urlEqualTo("/posts.json")).willReturn(okJson(createdPost(301, 88))));

    Response response =
        action(
            slug,
            "discourse.create-message",
            "{\"parameters\": {\"title\": \"A private word\", \"raw\": \"hello\", \"target_usernames\": [\"alice\", \"bob\"]}}");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode result = response.json();
    assertThat(result.path("id").asLong()).isEqualTo(301);
    assertThat(result.path("post_id").asLong()).isEqualTo(301);
    assertThat(result.path("topic_id").asLong()).isEqualTo(88);
    assertThat(result.path("url").asString())
        .isEqualTo(discourse.baseUrl() + "/t/a-private-word/88/1");
    discourse.server.verify(
        1,
        postRequestedFor(urlEqualTo("/posts.json"))
            .withHeader("Api-Key", equalTo(FakeDiscourse.API_KEY))
            .withRequestBody(
                equalToJson(
                    "{\"title\": \"A private word\", \"raw\": \"hello\", \"archetype\": \"private_message\","
                        + " \"target_recipients\": \"alice,bob\"}")));
  }

  @Test
  void createMessageWithBothNamesOrNeitherIs400AndSendsNothing() {
    assertProblem(
        action(
            slug,
            "discourse.create-message",
            "{\"parameters\": {\"title\": \"A private word\", \"raw\": \"hello\","
                + " \"target_usernames\": [\"alice\"], \"target_recipients\": [\"bob\"]}}"),
        400,
        "validation_failed");
    assertProblem(
        action(
            slug,
            "discourse.create-message",
            "{\"parameters\": {\"title\": \"A private word\", \"raw\": \"hello\"}}"),
        400,
        "validation_failed");
    discourse.server.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void createPostAnswersPostIdBesideId() {
    discourse.server.stubFor(
        WireMock.post(urlEqualTo("/posts.json"))
            .willReturn(okJson(createdPost(302, FakeDiscourse.TOPIC_ID))));
    JsonNode result =
        action(
                slug,
                "discourse.create-post",
                "{\"parameters\": {\"raw\": \"hi\", \"topic_id\": 45}}")
            .json();
    assertThat(result.path("post_id").asLong()).isEqualTo(302);
    assertThat(result.path("id").asLong()).isEqualTo(302);
  }

  @Test
  void deleteAndRecoverPostsAndTopicsCallDiscoursesRoutes() {
    discourse.server.stubFor(
        WireMock.delete(urlEqualTo("/posts/77.json")).willReturn(aResponse().withStatus(200)));
    discourse.server.stubFor(
        WireMock.delete(urlEqualTo("/t/45.json")).willReturn(aResponse().withStatus(200)));
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/posts/77/recover.json")).willReturn(okJson(createdPost(77, 45))));
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/t/45/recover.json")).willReturn(aResponse().withStatus(200)));

    for (String call :
        new String[] {"delete-post 77", "delete-topic 45", "recover-post 77", "recover-topic 45"}) {
      String[] parts = call.split(" ");
      Response response =
          action(slug, "discourse." + parts[0], "{\"parameters\": {\"id\": " + parts[1] + "}}");
      assertThat(response.status()).as(call + ": " + response.body()).isEqualTo(200);
      assertThat(response.json()).as(call).isEqualTo(json("{}"));
    }
    discourse.server.verify(
        1,
        deleteRequestedFor(urlEqualTo("/posts/77.json"))
            .withHeader("Api-Key", equalTo(FakeDiscourse.API_KEY))
            .withHeader("Api-Username", equalTo("system")));
    discourse.server.verify(1, deleteRequestedFor(urlEqualTo("/t/45.json")));
    discourse.server.verify(1, putRequestedFor(urlEqualTo("/posts/77/recover.json")));
    discourse.server.verify(1, putRequestedFor(urlEqualTo("/t/45/recover.json")));
    assertThat(discourse.server.getAllServeEvents()).hasSize(4);
  }

  @Test
  void lockPostSendsLockedAsDiscourseReadsItAndAnswersTheLockState() {
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/posts/77/locked.json"))
            .withRequestBody(equalToJson("{\"locked\": \"true\"}"))
            .willReturn(okJson("{\"locked\": true}")));
    discourse.server.stubFor(
        WireMock.put(urlEqualTo("/posts/77/locked.json"))
            .withRequestBody(equalToJson("{\"locked\": \"false\"}"))
            .willReturn(okJson("{\"locked\": false}")));

    assertThat(
            action(slug, "discourse.lock-post", "{\"parameters\": {\"id\": 77, \"locked\": true}}")
                .json())
        .isEqualTo(json("{\"locked\": true}"));
    assertThat(
            action(slug, "discourse.lock-post", "{\"parameters\": {\"id\": 77, \"locked\": false}}")
                .json())
        .isEqualTo(json("{\"locked\": false}"));
    discourse.server.verify(2, putRequestedFor(urlEqualTo("/posts/77/locked.json")));
    assertProblem(
        action(slug, "discourse.lock-post", "{\"parameters\": {\"id\": 77}}"),
        400,
        "validation_failed");
  }

  @Test
  void aPostDiscourseCannotFindIsAPlatformError() {
    discourse.server.stubFor(
        WireMock.delete(urlEqualTo("/posts/78.json"))
            .willReturn(
                aResponse()
                    .withStatus(404)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"errors\": [\"The requested URL or resource could not be found.\"], \"error_type\": \"not_found\"}")));
    JsonNode problem =
        assertProblem(
            action(slug, "discourse.delete-post", "{\"parameters\": {\"id\": 78}}"),
            502,
            "platform_error");
    assertThat(problem.path("detail").asString())
        .contains("delete post 78")
        .doesNotContain(FakeDiscourse.API_KEY);
  }
}

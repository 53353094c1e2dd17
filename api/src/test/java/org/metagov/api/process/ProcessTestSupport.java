package org.metagov.api.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowStub;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.metagov.api.IntegrationTest;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * Helpers for the governance-process tests: starting and reading processes, skipping time on the
 * in-process Temporal test server, fake platforms and Driver receivers (WireMock on 127.0.0.1
 * only), and checking Standard Webhooks signatures.
 *
 * <p><b>Time.</b> The shared context runs the test server with time skipping, so time only jumps
 * during {@link #skip(Duration)}. Skips accumulate over the whole test run, so the Temporal clock
 * can be ahead of the wall clock; {@link #temporalNow()} is the clock the workflows use. The API
 * computes a randomness vote's deadline from the wall clock, so {@link #delayMinutes(int)} adds the
 * skew to the delay.
 */
public abstract class ProcessTestSupport extends IntegrationTest {

  public static final String PROCESS = "/api/internal/process/";

  @Autowired protected WorkflowClient workflowClient;

  @Value("${metagov.delivery.signing-secret}")
  protected String signingSecret;

  // --- processes --------------------------------------------------------------------------------

  /**
   * {@code POST /api/internal/process/{name}} for a community, with extra headers as name, value
   * pairs.
   */
  protected Response startProcess(String community, String name, String body, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = COMMUNITY_HEADER;
    all[1] = community;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return send("POST", PROCESS + name, body, all);
  }

  /** Starts a process, asserts the 202 answer and its Location, and returns the Location. */
  protected String started(String community, String name, String body) {
    Response response = startProcess(community, name, body);
    assertThat(response.status()).as(response.body()).isEqualTo(202);
    long id = response.json().path("id").asLong();
    assertThat(response.header("Location")).isEqualTo(PROCESS + name + "/" + id);
    return response.header("Location");
  }

  protected Response getAs(String community, String path) {
    return send("GET", path, null, COMMUNITY_HEADER, community);
  }

  protected Response deleteAs(String community, String path) {
    return send("DELETE", path, null, COMMUNITY_HEADER, community);
  }

  /** GET of a process location, asserted 200. */
  protected JsonNode record(String community, String location) {
    Response response = getAs(community, location);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  /** Waits until the process's record satisfies the condition, and returns that record. */
  protected JsonNode awaitRecord(
      String community, String location, String what, Predicate<JsonNode> condition) {
    JsonNode[] last = new JsonNode[1];
    await(what)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              last[0] = record(community, location);
              return condition.test(last[0]);
            });
    return last[0];
  }

  protected JsonNode awaitStatus(String community, String location, String status) {
    return awaitRecord(
        community,
        location,
        location + " " + status,
        r -> status.equals(r.path("status").asString()));
  }

  /** The ids in {@code GET /api/internal/process[?status=]} of a community. */
  protected List<Long> listedIds(String community, String status) {
    Response response =
        getAs(community, "/api/internal/process" + (status == null ? "" : "?status=" + status));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<Long> ids = new ArrayList<>();
    response.json().path("processes").forEach(p -> ids.add(p.path("id").asLong()));
    return ids;
  }

  protected static long idOf(String location) {
    return Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
  }

  // --- time -------------------------------------------------------------------------------------

  /**
   * Skips Temporal time: timers due in the next {@code duration} fire now, in order. The test
   * server skips whenever nothing is in flight (an activity or workflow task holds its clock only
   * while it runs).
   */
  protected void skip(Duration duration) {
    env.sleep(duration);
  }

  /**
   * Waits until the delivery workflow of {@code deliveryId} has closed (delivered or
   * dead-lettered).
   */
  protected void awaitDeliveryClosed(String deliveryId) {
    WorkflowStub delivery =
        workflowClient.newUntypedWorkflowStub(DeliveryWorkflow.workflowId(deliveryId));
    await("delivery workflow " + deliveryId + " closed")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                delivery.describe().getStatus()
                    != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
  }

  /** The workflows' clock, ahead of the wall clock by every skip so far. */
  protected Instant temporalNow() {
    return Instant.ofEpochMilli(env.currentTimeMillis());
  }

  /**
   * The history length of every run of a workflow, newest first (following continue-as-new back to
   * the first run).
   */
  protected List<Integer> historyLengths(String workflowId) {
    List<Integer> lengths = new java.util.ArrayList<>();
    io.temporal.common.WorkflowExecutionHistory history = workflowClient.fetchHistory(workflowId);
    while (true) {
      List<io.temporal.api.history.v1.HistoryEvent> events = history.getEvents();
      lengths.add(events.size());
      String previous =
          events.get(0).getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return lengths;
      }
      history = workflowClient.fetchHistory(workflowId, previous);
    }
  }

  // --- fakes ------------------------------------------------------------------------------------

  /** A request to a fake Open Collective's GraphQL endpoint for one named operation. */
  protected static com.github.tomakehurst.wiremock.client.MappingBuilder graphQl(String operation) {
    return com.github.tomakehurst.wiremock.client.WireMock.post(
            com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo("/graphql/v2"))
        .withRequestBody(
            com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath(
                "$.operationName",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo(operation)));
  }

  /**
   * A fake Open Collective that knows the collective {@code coop-collective} and none of its
   * webhooks.
   */
  protected static void knowsCoopCollective(WireMockServer oc) {
    oc.stubFor(
        graphQl("OpenCollectiveAccount")
            .willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.okJson(
                    "{\"data\": {\"account\": {\"id\": \"acc_1a2b3c4d\", \"legacyId\": 58213, \"slug\": \"coop-collective\","
                        + " \"name\": \"Coop Collective\", \"type\": \"COLLECTIVE\"}}}")));
    oc.stubFor(
        graphQl("OpenCollectiveWebhooks")
            .willReturn(
                com.github.tomakehurst.wiremock.client.WireMock.okJson(
                    "{\"data\": {\"account\": {\"id\": \"acc_1a2b3c4d\", \"webhooks\": {\"nodes\": []}}}}")));
  }

  /** A test resource as text. */
  protected static String resource(String path) throws java.io.IOException {
    try (var in = ProcessTestSupport.class.getResourceAsStream(path)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A WireMock server on 127.0.0.1 and a free port: a fake platform or a Driver's receiver. */
  protected static WireMockServer localWireMock() {
    WireMockServer server =
        new WireMockServer(WireMockConfiguration.options().bindAddress("127.0.0.1").dynamicPort());
    server.start();
    return server;
  }

  /**
   * Asserts the Standard Webhooks headers of one delivery: {@code webhook-id}, a current {@code
   * webhook-timestamp}, JSON content, and {@code webhook-signature} = {@code v1,} base64 of
   * HMAC-SHA256 under the configured {@code whsec_} key of {@code id.timestamp.body}.
   */
  protected void assertStandardWebhook(LoggedRequest request, String expectedId) {
    assertThat(request.getHeader("webhook-id")).isEqualTo(expectedId);
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    String timestamp = request.getHeader("webhook-timestamp");
    assertThat(timestamp).matches("\\d+");
    assertThat(Long.parseLong(timestamp))
        .isCloseTo(System.currentTimeMillis() / 1000, org.assertj.core.data.Offset.offset(300L));
    assertThat(signingSecret).startsWith("whsec_");
    String expected =
        "v1,"
            + hmacBase64(
                Base64.getDecoder().decode(signingSecret.substring("whsec_".length())),
                expectedId + "." + timestamp + "." + request.getBodyAsString());
    assertThat(request.getHeader("webhook-signature")).isEqualTo(expected);
  }

  protected static String hmacBase64(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

package org.metagov.api.codec;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.WireMock;
import com.google.protobuf.util.JsonFormat;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.History;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.metagov.api.process.ProcessTestSupport;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.metagov.workflows.process.ProcessWorkflow;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A real process with a callback, run through the API on the Temporal test server: read back raw
 * from Temporal (no codec), its histories and its description hold neither its parameters, nor its
 * callback URL, nor the callback's body in clear, and its memo names the callback's destination
 * without the URL's query. Through the codec endpoint an operator reads it all.
 */
class TemporalHistoryEncryptionTest extends ProcessTestSupport {

  private static final String VOTE = "randomness.delayed-stochastic-vote";
  private static final String PATH = "/receive/outcome-path-31337";

  @Autowired PayloadEncryptionCodec codec;

  private WireMockServer driver;

  @BeforeEach
  void receiver() {
    driver = localWireMock();
    driver.stubFor(WireMock.post(urlPathEqualTo(PATH)).willReturn(ok()));
  }

  @AfterEach
  void stopReceiver() {
    driver.stop();
  }

  @Test
  void temporalStoresNoParameterCallbackUrlOrCallbackBodyInClear() throws Exception {
    String slug = uniqueSlug("encrypted");
    putCommunity(slug, "[{\"name\": \"randomness\", \"config\": {}}]");
    String callbackUrl = driver.baseUrl() + PATH + "?token=query-token-s3cr3t";
    String location =
        started(
            slug,
            VOTE,
            "{\"options\": [\"zebra-option-4711\", \"yak-option-4712\"], \"delay\": "
                + delayMinutes(60)
                + ", \"callback_url\": \""
                + callbackUrl
                + "\"}");
    long id = idOf(location);
    assertThat(deleteAs(slug, location).status()).isEqualTo(200);
    await("the callback")
        .atMost(Duration.ofSeconds(30))
        .until(() -> !driver.findAll(postRequestedFor(urlPathEqualTo(PATH))).isEmpty());
    String deliveryId = "process-" + id + "-result";
    awaitDeliveryClosed(deliveryId);
    String callbackBody =
        driver.findAll(postRequestedFor(urlPathEqualTo(PATH))).get(0).getBodyAsString();
    assertThat(callbackBody).contains("option-471");

    String[] secrets = {
      "query-token-s3cr3t",
      "outcome-path-31337",
      "zebra-option-4711",
      "yak-option-4712",
      driver.baseUrl().substring("http://".length()),
      callbackBody
    };
    String processWorkflow = ProcessWorkflow.workflowId(slug, VOTE, id);
    History process = workflowClient.fetchHistory(processWorkflow).getHistory();
    StoredPayloads.assertNothingInClear(process, secrets);
    StoredPayloads.assertNothingInClear(
        workflowClient.fetchHistory(DeliveryWorkflow.workflowId(deliveryId)).getHistory(), secrets);
    DescribeWorkflowExecutionResponse description = describe(processWorkflow);
    StoredPayloads.assertNothingInClear(description, secrets);

    Payload memo =
        description.getWorkflowExecutionInfo().getMemo().getFieldsOrThrow("callback_url");
    assertThat(
            DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                codec.decode(List.of(memo)).get(0), String.class, String.class))
        .as("the memo names where callbacks go, without the query")
        .isEqualTo(driver.baseUrl() + PATH);
    assertThat(
            description
                .getWorkflowExecutionInfo()
                .getSearchAttributes()
                .getIndexedFieldsMap()
                .keySet())
        .allSatisfy(name -> assertThat(name).doesNotContainIgnoringCase("callback"));

    Payload input =
        process.getEvents(0).getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0);
    Response decoded =
        send(
            "POST",
            "/codec/decode",
            JsonFormat.printer().print(Payloads.newBuilder().addPayloads(input)),
            "Authorization",
            "Bearer " + CodecEndpointTest.TOKEN,
            "X-Namespace",
            "default");
    assertThat(decoded.status()).as(decoded.body()).isEqualTo(200);
    String start =
        new String(
            Base64.getDecoder()
                .decode(decoded.json().path("payloads").get(0).path("data").asString()),
            StandardCharsets.UTF_8);
    assertThat(start)
        .as("an operator reads the process's start")
        .contains("zebra-option-4711")
        .contains(callbackUrl);
  }

  private DescribeWorkflowExecutionResponse describe(String workflowId) {
    return workflowClient
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(workflowClient.getOptions().getNamespace())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build());
  }
}

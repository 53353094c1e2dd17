package org.metagov.api.process;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import io.temporal.serviceclient.ServiceStubsOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import java.util.List;
import java.util.Map;
import org.metagov.workflows.process.ProcessWorkflowImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Whether the Temporal namespace has Metagov's custom search attributes. They help operators find
 * processes in the Temporal UI, but not every server has them registered: without them, processes
 * run the same and only the attributes are left out.
 */
@Component
public class SearchAttributeSupport {

  private static final Logger log = LoggerFactory.getLogger(SearchAttributeSupport.class);
  private static final List<String> NAMES =
      List.of(
          ProcessWorkflowImpl.COMMUNITY.getName(),
          ProcessWorkflowImpl.PROCESS.getName(),
          ProcessWorkflowImpl.STATUS.getName());

  private final WorkflowClient client;
  private final ObjectProvider<TestWorkflowEnvironment> testEnvironment;
  private volatile Boolean registered;

  public SearchAttributeSupport(
      WorkflowClient client, ObjectProvider<TestWorkflowEnvironment> testEnvironment) {
    this.client = client;
    this.testEnvironment = testEnvironment;
  }

  public boolean registered() {
    Boolean known = registered;
    if (known == null) {
      synchronized (this) {
        if (registered == null) {
          registered = detect();
        }
        known = registered;
      }
    }
    return known;
  }

  private boolean detect() {
    TestWorkflowEnvironment embedded = testEnvironment.getIfAvailable();
    try {
      if (embedded != null) {
        for (String name : NAMES) {
          embedded.registerSearchAttribute(name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
        }
        return true;
      }
      // The channel carries the connection's TLS; the headers (a Temporal Cloud API key) come with
      // the options.
      ServiceStubsOptions connection = client.getWorkflowServiceStubs().getOptions();
      OperatorServiceStubs operator =
          OperatorServiceStubs.newServiceStubs(
              OperatorServiceStubsOptions.newBuilder()
                  .setChannel(client.getWorkflowServiceStubs().getRawChannel())
                  .setGrpcMetadataProviders(connection.getGrpcMetadataProviders())
                  .setHeaders(connection.getHeaders())
                  .validateAndBuildWithDefaults());
      Map<String, IndexedValueType> custom =
          operator
              .blockingStub()
              .listSearchAttributes(
                  ListSearchAttributesRequest.newBuilder()
                      .setNamespace(client.getOptions().getNamespace())
                      .build())
              .getCustomAttributesMap();
      boolean all = custom.keySet().containsAll(NAMES);
      if (!all) {
        log.warn(
            "The Temporal namespace lacks the search attributes {}; processes run without them. "
                + "Register them (see docker-compose.yml) to filter processes in the Temporal UI.",
            NAMES);
      }
      return all;
    } catch (RuntimeException e) {
      log.warn(
          "Could not check Temporal search attributes ({}); processes run without them.",
          e.toString());
      return false;
    }
  }
}

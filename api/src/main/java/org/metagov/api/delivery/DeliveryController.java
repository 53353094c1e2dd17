package org.metagov.api.delivery;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.metagov.activities.json.Json;
import org.metagov.api.community.CommunityService;
import org.metagov.api.delivery.DeliveryRepository.DeliveryView;
import org.metagov.api.problem.ApiException;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Outbound deliveries of a community: listing them (dead letters included) and redelivering one. */
@RestController
public class DeliveryController {

  private final DeliveryRepository repository;
  private final CommunityService communities;
  private final WorkflowClient client;
  private final String taskQueue;
  private final DeliveryPolicy policy;

  public DeliveryController(DeliveryRepository repository, CommunityService communities, WorkflowClient client,
      @Value("${metagov.temporal.task-queue}") String taskQueue,
      @Value("${metagov.delivery.give-up-after:4d}") Duration giveUpAfter,
      @Value("${metagov.delivery.max-backoff:1h}") Duration maxBackoff) {
    this.repository = repository;
    this.communities = communities;
    this.client = client;
    this.taskQueue = taskQueue;
    this.policy = new DeliveryPolicy(giveUpAfter.toSeconds(), maxBackoff.toSeconds());
  }

  @GetMapping(path = "/api/internal/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
  public Map<String, List<DeliveryView>> list(
      @RequestHeader("X-Metagov-Community") String community,
      @RequestParam(required = false) String status,
      @RequestParam(defaultValue = "100") int limit) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    if (status != null && !List.of(DeliveryRepository.PENDING, DeliveryRepository.DELIVERED, DeliveryRepository.DEAD).contains(status)) {
      throw ApiException.badRequest("invalid_parameter", "status must be one of pending, delivered, dead.");
    }
    if (limit < 1 || limit > 1000) {
      throw ApiException.badRequest("invalid_parameter", "limit must be 1 to 1000.");
    }
    return Map.of("deliveries", repository.list(community, status, limit));
  }

  /** Starts a dead-lettered delivery again, with the same webhook-id so the Driver can deduplicate. */
  @PostMapping(path = "/api/internal/deliveries/{id}/redeliver", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<DeliveryView> redeliver(
      @PathVariable String id, @RequestHeader("X-Metagov-Community") String community) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    DeliveryView delivery = repository.find(id).filter(d -> d.community().equals(community))
        .orElseThrow(() -> ApiException.notFound("delivery_not_found", "There is no delivery " + id + " for community " + community + "."));
    if (!DeliveryRepository.DEAD.equals(delivery.status())) {
      throw ApiException.conflict("delivery_not_dead", "Only a dead-lettered delivery can be redelivered; this one is "
          + delivery.status() + ".");
    }
    DeliveryWorkflow workflow = client.newWorkflowStub(DeliveryWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(DeliveryWorkflow.workflowId(id))
        .setTaskQueue(taskQueue)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build());
    try {
      WorkflowClient.start(workflow::deliver, new Delivery(delivery.id(), delivery.kind(), delivery.community(),
          delivery.process_id(), delivery.url(), Json.toMap(delivery.body())), policy);
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw ApiException.conflict("delivery_in_progress", "The delivery " + id + " is already being retried.");
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(repository.find(id).orElseThrow());
  }
}

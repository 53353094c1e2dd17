package org.metagov.api.delivery;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.metagov.activities.delivery.DeliveryProperties;
import org.metagov.activities.json.Json;
import org.metagov.api.catalogue.OpenApiContract;
import org.metagov.api.community.CommunityService;
import org.metagov.api.config.TemporalProperties;
import org.metagov.api.delivery.DeliveryRepository.DeliveryView;
import org.metagov.api.problem.ApiException;
import org.metagov.workflows.delivery.Delivery;
import org.metagov.workflows.delivery.DeliveryKind;
import org.metagov.workflows.delivery.DeliveryPolicy;
import org.metagov.workflows.delivery.DeliveryWorkflow;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Outbound deliveries of a community: listing them (queued events and dead letters included) and
 * redelivering dead letters, one or all. A redelivered event goes back into the community's event
 * outbox (ahead of newer events, since it keeps its place in the queue) with a fresh give-up clock;
 * a redelivered callback is retried by its own workflow. Both keep their {@code webhook-id}, so the
 * Driver can deduplicate.
 */
@Tag(name = OpenApiContract.DELIVERIES)
@RestController
public class DeliveryController {

  /**
   * At most this many dead callbacks are restarted by one bulk redelivery; the answer says if more
   * remain.
   */
  static final int BULK_CALLBACK_LIMIT = 500;

  private final DeliveryRepository repository;
  private final EventOutboxRepository outboxRepository;
  private final EventOutbox outbox;
  private final CommunityService communities;
  private final WorkflowClient client;
  private final String taskQueue;
  private final DeliveryPolicy policy;

  public DeliveryController(
      DeliveryRepository repository,
      EventOutboxRepository outboxRepository,
      EventOutbox outbox,
      CommunityService communities,
      WorkflowClient client,
      TemporalProperties temporal,
      DeliveryProperties delivery) {
    this.repository = repository;
    this.outboxRepository = outboxRepository;
    this.outbox = outbox;
    this.communities = communities;
    this.client = client;
    this.taskQueue = temporal.taskQueue();
    this.policy = delivery.policy();
  }

  public record DeliveryList(List<DeliveryView> deliveries) {}

  /** What a bulk redelivery restarted, and whether dead callbacks remain for another call. */
  public record Redelivered(int events, int callbacks, boolean more) {}

  @Operation(
      operationId = "listDeliveries",
      summary = "List a community's callbacks and events, newest first",
      responses = {
        @ApiResponse(responseCode = "200", description = "The deliveries."),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @GetMapping(path = "/api/internal/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
  public DeliveryList list(
      @RequestHeader("X-Metagov-Community") String community,
      @RequestParam(required = false) String status,
      @RequestParam(defaultValue = "100") int limit) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    DeliveryStatus wanted =
        status == null
            ? null
            : DeliveryStatus.parse(status)
                .orElseThrow(
                    () ->
                        ApiException.badRequest(
                            "invalid_parameter",
                            "status must be one of "
                                + Arrays.stream(DeliveryStatus.values())
                                    .map(DeliveryStatus::wireName)
                                    .collect(Collectors.joining(", "))
                                + "."));
    if (limit < 1 || limit > 1000) {
      throw ApiException.badRequest("invalid_parameter", "limit must be 1 to 1000.");
    }
    return new DeliveryList(repository.list(community, wanted, limit));
  }

  /**
   * Delivers a dead-lettered delivery again, with the same webhook-id so the Driver can
   * deduplicate.
   */
  @Operation(
      operationId = "redeliver",
      summary = "Deliver a dead letter again, with the same webhook-id",
      responses = {
        @ApiResponse(responseCode = "202", description = "The delivery is being retried."),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND),
        @ApiResponse(responseCode = "409", ref = OpenApiContract.CONFLICT)
      })
  @PostMapping(
      path = "/api/internal/deliveries/{id}/redeliver",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<DeliveryView> redeliver(
      @PathVariable String id, @RequestHeader("X-Metagov-Community") String community) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    DeliveryView delivery =
        repository
            .find(id)
            .filter(d -> d.community().equals(community))
            .orElseThrow(
                () ->
                    ApiException.notFound(
                        "delivery_not_found",
                        "There is no delivery " + id + " for community " + community + "."));
    if (delivery.status() != DeliveryStatus.DEAD) {
      throw ApiException.conflict(
          "delivery_not_dead",
          "Only a dead-lettered delivery can be redelivered; this one is "
              + delivery.status().wireName()
              + ".");
    }
    if (delivery.kind() == DeliveryKind.EVENT) {
      if (outboxRepository.requeueDead(community, id) > 0
          && outboxRepository.requestWake(community)) {
        outbox.wake(community);
      }
    } else if (!restartCallback(delivery)) {
      throw ApiException.conflict(
          "delivery_in_progress", "The delivery " + id + " is already being retried.");
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(repository.find(id).orElseThrow());
  }

  /**
   * Redelivers every dead letter of the community: all dead events go back into the outbox at once;
   * dead callbacks are restarted up to {@value #BULK_CALLBACK_LIMIT} per call ({@code more} says
   * whether to call again).
   */
  @Operation(
      operationId = "redeliverAll",
      summary = "Deliver every dead letter of the community again",
      responses = {
        @ApiResponse(responseCode = "202", description = "What was restarted."),
        @ApiResponse(responseCode = "400", ref = OpenApiContract.BAD_REQUEST),
        @ApiResponse(responseCode = "404", ref = OpenApiContract.NOT_FOUND)
      })
  @PostMapping(
      path = "/api/internal/deliveries/redeliver",
      produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<Redelivered> redeliverAll(
      @RequestHeader("X-Metagov-Community") String community,
      @RequestParam(required = false) String status) {
    CommunityService.requireCommunityHeader(community);
    communities.get(community);
    if (!DeliveryStatus.DEAD.wireName().equals(status)) {
      throw ApiException.badRequest(
          "invalid_parameter", "status must be dead: only dead letters can be redelivered.");
    }
    int events = outboxRepository.requeueDead(community, null);
    if (events > 0 && outboxRepository.requestWake(community)) {
      outbox.wake(community);
    }
    List<DeliveryView> dead = repository.deadCallbacks(community, BULK_CALLBACK_LIMIT + 1);
    int callbacks = 0;
    for (DeliveryView callback : dead.subList(0, Math.min(dead.size(), BULK_CALLBACK_LIMIT))) {
      if (restartCallback(callback)) {
        callbacks++;
      }
    }
    return ResponseEntity.status(HttpStatus.ACCEPTED)
        .body(new Redelivered(events, callbacks, dead.size() > BULK_CALLBACK_LIMIT));
  }

  /** Starts a dead callback's delivery workflow again; false when one is already running. */
  private boolean restartCallback(DeliveryView delivery) {
    DeliveryWorkflow workflow =
        client.newWorkflowStub(
            DeliveryWorkflow.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(DeliveryWorkflow.workflowId(delivery.id()))
                .setTaskQueue(taskQueue)
                .setWorkflowIdReusePolicy(
                    WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
                .build());
    try {
      WorkflowClient.start(
          workflow::deliver,
          new Delivery(
              delivery.id(),
              delivery.kind(),
              delivery.community(),
              delivery.process_id(),
              delivery.url(),
              Json.toMap(delivery.body())),
          policy);
      return true;
    } catch (WorkflowExecutionAlreadyStarted e) {
      return false;
    }
  }
}

package org.metagov.workflows.delivery;

import java.util.Map;

/**
 * One outbound message to the Driver (a process callback or a platform event). {@code id} is the
 * Standard Webhooks {@code webhook-id}: the same on every attempt, so the Driver can deduplicate.
 */
public record Delivery(
    String id,
    DeliveryKind kind,
    String community,
    Long processId,
    String url,
    Map<String, Object> body) {}

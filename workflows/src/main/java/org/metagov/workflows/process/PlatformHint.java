package org.metagov.workflows.process;

/**
 * A webhook that concerns a process. It is only a hint: the workflow re-reads the authoritative
 * state from the platform rather than trusting the payload.
 */
public record PlatformHint(String deliveryId, String eventType) {}

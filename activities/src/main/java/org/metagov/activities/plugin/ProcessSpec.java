package org.metagov.activities.plugin;

import tools.jackson.databind.JsonNode;

/**
 * A governance process type a plugin offers. {@code closableEarly} tells Drivers (through the
 * catalogue) whether {@code DELETE} can close it before its deadline on the platform. {@code
 * reconciliation} says whether its state can change where no webhook tells of it, so that the
 * process re-reads it periodically.
 */
public record ProcessSpec(
    String name,
    String description,
    JsonNode inputSchema,
    JsonNode outcomeSchema,
    boolean closableEarly,
    Reconciliation reconciliation,
    ProcessAdapter adapter) {

  /** Whether an open process re-reads its platform when no webhook arrived. */
  public enum Reconciliation {
    /**
     * Every {@code PROCESS_RECONCILE_INTERVAL}: the platform holds the process's state and a
     * webhook saying it changed can be lost (or the platform sends none for some changes).
     */
    PERIODIC,
    /**
     * Never between start and close: nothing changes the process's state but time (a deadline draw,
     * say).
     */
    NONE
  }
}

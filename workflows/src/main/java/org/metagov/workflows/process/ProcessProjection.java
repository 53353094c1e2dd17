package org.metagov.workflows.process;

import java.util.List;

/**
 * The workflow's committed state, written to PostgreSQL for GET and listings. {@code version} lets
 * the store ignore a stale write that arrives after a newer one.
 */
public record ProcessProjection(ProcessRecord record, long version, List<String> routingKeys) {}

package org.metagov.workflows.process;

import java.util.List;
import java.util.Map;

/**
 * What an adapter read from the platform: state to hand back on later calls, the outcome so far,
 * the process's URL on the platform, whether the platform has closed it, and the keys webhooks use
 * to name it.
 */
public record PlatformSnapshot(
    Map<String, Object> platformState,
    Map<String, Object> outcome,
    String url,
    boolean closed,
    List<String> routingKeys) {}

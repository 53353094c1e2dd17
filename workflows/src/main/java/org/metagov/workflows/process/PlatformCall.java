package org.metagov.workflows.process;

import java.util.Map;

/** One call to a plugin's process adapter, made by an activity. */
public record PlatformCall(
    long id,
    String community,
    String plugin,
    String process,
    Map<String, Object> parameters,
    Map<String, Object> platformState) {}

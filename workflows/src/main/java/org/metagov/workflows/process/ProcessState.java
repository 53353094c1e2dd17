package org.metagov.workflows.process;

import java.util.List;
import java.util.Map;

/** The mutable part of a process, carried across continue-as-new. {@code version} grows with every change. */
public record ProcessState(
    String status,
    String url,
    Map<String, Object> outcome,
    Map<String, Object> errors,
    Map<String, Object> platformState,
    List<String> routingKeys,
    long version) {}

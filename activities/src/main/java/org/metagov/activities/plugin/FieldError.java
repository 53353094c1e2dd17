package org.metagov.activities.plugin;

/**
 * One failing field of a request: a JSON-path-like location ("parameters.low") and what is wrong
 * with it.
 */
public record FieldError(String path, String message) {}

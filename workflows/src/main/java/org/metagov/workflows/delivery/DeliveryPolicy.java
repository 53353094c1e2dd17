package org.metagov.workflows.delivery;

/**
 * How long a delivery keeps retrying before it is dead-lettered, and the longest pause between
 * attempts.
 */
public record DeliveryPolicy(long giveUpAfterSeconds, long maxBackoffSeconds) {}

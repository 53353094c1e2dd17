package org.metagov.activities.plugins.randomness;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.InvalidInputException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.ProcessAdapter;
import org.metagov.activities.plugin.ProcessSpec;
import org.metagov.activities.plugin.Schemas;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Random numbers and a vote decided by chance: a platform-free plugin for trying the Driver API.
 */
@Component
public class RandomnessPlugin implements Plugin {

  // Integers are bounded to the range JSON numbers keep exactly (±(2^53 - 1)): a larger value
  // passed
  // "type": "integer" but could not be read as a long, and answered 500 instead of 400.
  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "default_low": {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991, "default": 0, "description": "Lower bound used when random-int gets no low."},
         "default_high": {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991, "default": 100, "description": "Upper bound used when random-int gets no high."}
       },
       "additionalProperties": false}
      """);

  private static final JsonNode RANDOM_INT_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "low": {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991, "description": "Smallest possible value (inclusive); the config's default_low when absent."},
         "high": {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991, "description": "Bound above every possible value (exclusive, as in the gateway); the config's default_high when absent."}
       },
       "additionalProperties": false}
      """);

  private static final JsonNode VALUE_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"value": {"type": "integer"}}, "required": ["value"]}
      """);

  private static final JsonNode LUCKY_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"lucky_number": {"type": "integer", "minimum": -9007199254740991, "maximum": 9007199254740991, "description": "The number to remember for this community."}},
       "required": ["lucky_number"],
       "additionalProperties": false}
      """);

  private static final JsonNode LUCKY_OUTPUT =
      Schemas.schema(
          """
      {"type": "object", "properties": {"lucky_number": {"type": "integer"}, "previous": {"type": ["integer", "null"]}}}
      """);

  private static final JsonNode VOTE_INPUT =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {
         "options": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 100,
                     "description": "The options; one of them wins at random."},
         "delay": {"type": "integer", "minimum": 0, "maximum": 525600, "default": 1,
                   "description": "Minutes until the winner is drawn."}
       },
       "required": ["options"],
       "additionalProperties": false}
      """);

  private static final JsonNode VOTE_OUTCOME =
      Schemas.schema(
          """
      {"type": "object", "properties": {"winner": {"type": ["string", "null"]}, "options": {"type": "array", "items": {"type": "string"}}}}
      """);

  private final Random random = new SecureRandom();

  @Override
  public String name() {
    return "randomness";
  }

  @Override
  public String description() {
    return "Random numbers, and a vote whose winner is drawn at random after a delay.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of(
        new ActionSpec(
            "random-int",
            "A random integer at least low and below high (low <= value < high), as the gateway drew it.",
            RANDOM_INT_INPUT,
            VALUE_OUTPUT,
            this::randomInt),
        new ActionSpec(
            "set-lucky-number",
            "Remember a lucky number for the community; returns it and the previous one.",
            LUCKY_INPUT,
            LUCKY_OUTPUT,
            this::setLuckyNumber));
  }

  @Override
  public List<ProcessSpec> processes() {
    return List.of(
        new ProcessSpec(
            "delayed-stochastic-vote",
            "A vote among options whose winner is drawn at random when the delay has passed, or when it is closed early.",
            VOTE_INPUT,
            VOTE_OUTCOME,
            true,
            ProcessSpec.Reconciliation.NONE,
            new DelayedStochasticVote()));
  }

  private JsonNode randomInt(PluginContext context, JsonNode parameters) {
    long low =
        parameters.has("low")
            ? parameters.get("low").asLong()
            : context.config().path("default_low").asLong(0);
    long high =
        parameters.has("high")
            ? parameters.get("high").asLong()
            : context.config().path("default_high").asLong(100);
    if (low >= high) {
      throw InvalidInputException.of(
          "parameters.low",
          "must be less than high, which is exclusive (" + low + " >= " + high + ")");
    }
    long value = low + (long) Math.floor(random.nextDouble() * ((double) high - low));
    return Json.object().put("value", Math.min(value, high - 1));
  }

  private JsonNode setLuckyNumber(PluginContext context, JsonNode parameters) {
    JsonNode previous = context.state().get("lucky_number");
    context.state().set("lucky_number", parameters.get("lucky_number"));
    ObjectNode result = Json.object().put("lucky_number", parameters.get("lucky_number").asLong());
    result.set("previous", previous == null ? Json.MAPPER.nullNode() : previous);
    return result;
  }

  /** Needs no platform: the deadline is the delay, and the draw happens when the process closes. */
  private final class DelayedStochasticVote implements ProcessAdapter {

    @Override
    public Instant closingAt(JsonNode parameters, Instant now) {
      return now.plus(Duration.ofMinutes(parameters.path("delay").asLong(1)));
    }

    @Override
    public ProcessSnapshot start(PluginContext context, ProcessInstance process) {
      return snapshot(null, process, false);
    }

    @Override
    public ProcessSnapshot refresh(PluginContext context, ProcessInstance process) {
      return snapshot(null, process, false);
    }

    @Override
    public ProcessSnapshot close(PluginContext context, ProcessInstance process) {
      JsonNode options = process.parameters().path("options");
      String winner =
          options.size() == 0 ? null : options.get(random.nextInt(options.size())).asString();
      return snapshot(winner, process, true);
    }

    private ProcessSnapshot snapshot(String winner, ProcessInstance process, boolean closed) {
      ObjectNode outcome = Json.object();
      outcome.put("winner", winner);
      outcome.set("options", process.parameters().path("options").deepCopy());
      return new ProcessSnapshot(Json.object(), outcome, null, closed, List.of());
    }
  }
}

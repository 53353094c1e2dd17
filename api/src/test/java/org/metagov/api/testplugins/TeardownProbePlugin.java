package org.metagov.api.testplugins;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.metagov.activities.json.Json;
import org.metagov.activities.plugin.ActionSpec;
import org.metagov.activities.plugin.PlatformException;
import org.metagov.activities.plugin.Plugin;
import org.metagov.activities.plugin.PluginContext;
import org.metagov.activities.plugin.Schemas;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * A test-only plugin that records its teardowns: what {@code onDisable} saw (community, the opened
 * secret, the state {@code onEnable} left), and that fails a given number of times per community
 * first, like a platform that is down.
 */
@Component
public class TeardownProbePlugin implements Plugin {

  public static final String NAME = "teardown-probe";

  /** One teardown as the plugin saw it. */
  public record Teardown(String community, String secret, String enabledMark) {}

  public static final List<Teardown> TEARDOWNS = new CopyOnWriteArrayList<>();
  public static final Map<String, AtomicInteger> FAILURES_LEFT = new ConcurrentHashMap<>();

  private static final JsonNode CONFIG_SCHEMA =
      Schemas.schema(
          """
      {"type": "object",
       "properties": {"token": {"type": "string", "minLength": 1, "writeOnly": true}},
       "required": ["token"],
       "additionalProperties": false}
      """);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "Test-only plugin that records onDisable.";
  }

  @Override
  public JsonNode configSchema() {
    return CONFIG_SCHEMA;
  }

  @Override
  public List<ActionSpec> actions() {
    return List.of();
  }

  @Override
  public void onEnable(PluginContext context, String webhookUrl) {
    context
        .state()
        .set(
            "enabled_mark", Json.MAPPER.getNodeFactory().stringNode("mark-" + context.community()));
  }

  @Override
  public void onDisable(PluginContext context) {
    AtomicInteger failures = FAILURES_LEFT.get(context.community());
    if (failures != null && failures.getAndDecrement() > 0) {
      throw new PlatformException(
          PlatformException.Kind.UNREACHABLE, NAME, 0, "the probe's platform is down");
    }
    JsonNode mark = context.state().get("enabled_mark");
    TEARDOWNS.add(
        new Teardown(
            context.community(),
            context.configText("token"),
            mark == null ? null : mark.asString()));
  }

  public static List<Teardown> of(String community) {
    return TEARDOWNS.stream().filter(t -> t.community().equals(community)).toList();
  }
}

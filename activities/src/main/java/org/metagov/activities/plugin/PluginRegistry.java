package org.metagov.activities.plugin;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** Every plugin on the classpath, by name. */
@Component
public class PluginRegistry {

  private final Map<String, Plugin> plugins;

  public PluginRegistry(List<Plugin> plugins) {
    this.plugins =
        plugins.stream()
            .sorted(Comparator.comparing(Plugin::name))
            .collect(
                Collectors.toMap(
                    Plugin::name,
                    Function.identity(),
                    (a, b) -> {
                      throw new IllegalStateException("two plugins are named " + a.name());
                    },
                    java.util.LinkedHashMap::new));
  }

  public Collection<Plugin> all() {
    return plugins.values();
  }

  public Optional<Plugin> find(String name) {
    return Optional.ofNullable(plugins.get(name));
  }

  public static Optional<ActionSpec> action(Plugin plugin, String name) {
    return plugin.actions().stream().filter(a -> a.name().equals(name)).findFirst();
  }

  public static Optional<ProcessSpec> process(Plugin plugin, String name) {
    return plugin.processes().stream().filter(p -> p.name().equals(name)).findFirst();
  }
}

package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.metagov.workflows.Replays;

/**
 * Replays recorded live callback workflow histories against the current code. They are recorded
 * with the process histories ({@link ProcessWorkflowReplayTest#recordHistories}) as
 * live-callbacks-<version>-<scenario>.json.
 */
class LiveCallbackWorkflowReplayTest {

  static Stream<String> histories() throws Exception {
    Path folder = Path.of(LiveCallbackWorkflowReplayTest.class.getResource("/histories").toURI());
    try (var files = Files.list(folder)) {
      List<String> names =
          files
              .map(f -> f.getFileName().toString())
              .filter(n -> n.startsWith("live-callbacks-"))
              .sorted()
              .toList();
      assertThat(names).as("recorded histories").isNotEmpty();
      return names.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("histories")
  void recordedHistoriesReplayOnTheCurrentCode(String file) throws Exception {
    try (var in = getClass().getResourceAsStream("/histories/" + file)) {
      Replays.replay(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), LiveCallbackWorkflowImpl.class);
    }
  }
}

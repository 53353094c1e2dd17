package org.metagov.workflows.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The wire names and failure types are in recorded histories, PostgreSQL and Drivers' code: they
 * never change.
 */
class ProcessStatusTest {

  @Test
  void wireNamesAreTheDocumentedOnes() {
    assertThat(Arrays.stream(ProcessStatus.values()).map(ProcessStatus::wireName))
        .containsExactly("created", "pending", "completed", "failed");
    assertThat(ProcessStatus.openWireNames()).containsExactly("created", "pending");
    assertThat(ProcessStatus.endedWireNames()).containsExactly("completed", "failed");
    assertThat(ProcessStatus.fromWireName("pending")).isEqualTo(ProcessStatus.PENDING);
    assertThat(ProcessStatus.parse("PENDING")).isEmpty();
    assertThatThrownBy(() -> ProcessStatus.fromWireName("closed"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRecordHasEndedOnlyWhenCompletedOrFailed() {
    assertThat(
            Arrays.stream(ProcessStatus.values())
                .filter(
                    status ->
                        new ProcessRecord(1, "p.q", "c", status, null, Map.of(), Map.of()).ended()))
        .containsExactly(ProcessStatus.COMPLETED, ProcessStatus.FAILED);
  }

  @Test
  void failureTypesAreTheRecordedOnes() {
    assertThat(Arrays.stream(ProcessFailure.values()).map(ProcessFailure::type))
        .containsExactly(
            "PlatformRejected",
            "PlatformUnavailable",
            "ConfigMissing",
            "PlatformUnauthorized",
            "CloseFailed");
  }
}

package org.metagov.activities.plugins.sourcecred;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The alias address parsing that {@code user-cred} by id relies on. */
class SourceCredPluginTest {

  @Test
  void thePlatformUserIdIsTheLastPartOfANulSeparatedAddress() {
    assertThat(
            SourceCredPlugin.platformUserId(
                "N\u0000sourcecred\u0000discord\u0000MEMBER\u0000user\u0000140750062325202944\u0000"))
        .isEqualTo("140750062325202944");
    assertThat(
            SourceCredPlugin.platformUserId(
                "N\u0000sourcecred\u0000discourse\u0000user\u0000https://forum.example.org\u0000bobby\u0000"))
        .isEqualTo("bobby");
    assertThat(SourceCredPlugin.platformUserId("")).isEmpty();
  }
}

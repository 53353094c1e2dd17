package org.metagov.activities.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metagov.activities.plugin.PlatformException.Kind;

/**
 * The excerpt of a platform's answer that error details quote: one line, no control characters,
 * bounded.
 */
class PlatformExceptionTest {

  @Test
  void controlAndInvisibleFormattingCharactersAndLineBreaksBecomeSingleSpaces() {
    String hostile =
        "\u001b[2J\u001b[31mError:\u0007 title\r\n\tis\u0000 blank\u202e.gnp\u200b\u2028Injected: ok\u0085\ud800end";
    String excerpt = PlatformException.excerpt(hostile);

    assertThat(excerpt).isEqualTo("[2J [31mError: title is blank .gnp Injected: ok end");
    assertThat(excerpt.codePoints())
        .noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT);
  }

  @Test
  void aLongAnswerIsCutTo200CharactersWithAnEllipsis() {
    String excerpt = PlatformException.excerpt("word ".repeat(10_000));
    assertThat(excerpt).endsWith("…");
    assertThat(excerpt.length()).isLessThanOrEqualTo(201);

    assertThat(PlatformException.excerpt("x".repeat(200))).isEqualTo("x".repeat(200));
    assertThat(PlatformException.excerpt("x".repeat(200) + "   \n"))
        .as("only spaces after the limit")
        .isEqualTo("x".repeat(200));
    assertThat(PlatformException.excerpt("x".repeat(200) + " y")).isEqualTo("x".repeat(200) + "…");
    assertThat(PlatformException.excerpt("\ud83d\ude00".repeat(300)))
        .as("cut between characters, not inside one")
        .isEqualTo("\ud83d\ude00".repeat(200) + "…");
  }

  @Test
  void nothingLeftIsNull() {
    assertThat(PlatformException.excerpt(null)).isNull();
    assertThat(PlatformException.excerpt(" \r\n\u0000\u202e ")).isNull();
    assertThat(new PlatformException(Kind.FAILED, "P", 500, "detail", "\n\n").responseExcerpt())
        .isNull();
    assertThat(
            new PlatformException(Kind.FAILED, "P", 500, "detail", "{\"error\":\n \"boom\"}")
                .responseExcerpt())
        .isEqualTo("{\"error\": \"boom\"}");
  }
}

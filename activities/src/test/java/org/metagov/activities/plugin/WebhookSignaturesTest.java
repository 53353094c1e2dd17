package org.metagov.activities.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.metagov.activities.delivery.WebhookSigner;

/**
 * The shared HMAC-SHA256 against published test vectors, and the comparison of received signatures.
 */
class WebhookSignaturesTest {

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void itComputesTheHmacOfPublishedVectors() {
    // RFC 4231, test case 2.
    assertThat(WebhookSignatures.hmacSha256Hex("Jefe", utf8("what do ya want for nothing?")))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // GitHub's example in "Validating webhook deliveries".
    assertThat(WebhookSignatures.hmacSha256Hex("It's a Secret to Everybody", utf8("Hello, World!")))
        .isEqualTo("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
    // Parts are signed as one message.
    assertThat(
            WebhookSignatures.hmacSha256Hex("Jefe", utf8("what do ya "), utf8("want for nothing?")))
        .isEqualTo("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }

  @Test
  void theOrchestratorsOwnCallbacksAreSignedAsStandardWebhooksPublishesIt() {
    assertThat(
            new WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"))
        .contains("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void aReceivedSignatureMatchesWhateverTheCaseOfItsHexAndSurroundingSpaces() {
    String expected =
        "sha256="
            + WebhookSignatures.hmacSha256Hex("It's a Secret to Everybody", utf8("Hello, World!"));
    assertThat(WebhookSignatures.matches(expected, expected)).isTrue();
    assertThat(
            WebhookSignatures.matches(
                expected,
                " sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17 "))
        .isTrue();
    assertThat(
            WebhookSignatures.matches(expected, expected.substring(0, expected.length() - 1) + "8"))
        .isFalse();
    assertThat(WebhookSignatures.matches(expected, expected.substring(0, expected.length() - 1)))
        .isFalse();
    assertThat(WebhookSignatures.matches(expected, null)).isFalse();
  }
}

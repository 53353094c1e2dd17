package org.metagov.api.apps;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Driver's redirect_uri at the end of an install must be on the deployment's allow-list,
 * exactly.
 */
class RedirectAllowListTest {

  private static final List<String> ALLOWED =
      List.of("https://driver.example.org/slack/", "http://127.0.0.1:9000");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://driver.example.org/slack/",
        "https://driver.example.org/slack/installed",
        "https://driver.example.org/slack/installed?next=%2Fhome",
        "https://DRIVER.example.org/slack/done",
        "http://127.0.0.1:9000/anything/at/all"
      })
  void listedPrefixesAreAllowed(String uri) {
    assertThat(InstallController.allowed(uri, ALLOWED)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://driver.example.org/slackers",
        "https://driver.example.org/",
        "https://driver.example.org/slack/../admin",
        "https://driver.example.org/slack/%2e%2e/admin",
        "http://driver.example.org/slack/",
        "https://driver.example.org:8443/slack/",
        "https://driver.example.org.evil.example/slack/",
        "https://evil.example/slack/",
        "https://user@driver.example.org/slack/",
        "https://driver.example.org/slack/#fragment",
        "javascript:alert(1)",
        "//driver.example.org/slack/",
        "/slack/",
        "http://127.0.0.1:9001/x",
        "not a uri"
      })
  void everythingElseIsRefused(String uri) {
    assertThat(InstallController.allowed(uri, ALLOWED)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://driver.example.org/slack/", "http://127.0.0.1:9000/"})
  void anEmptyListRefusesEverything(String uri) {
    assertThat(InstallController.allowed(uri, List.of())).isFalse();
  }
}

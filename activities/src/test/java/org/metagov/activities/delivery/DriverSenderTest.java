package org.metagov.activities.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DriverSenderTest {

  @Test
  void describeLeavesOutTheQueryAndCredentials() {
    assertThat(DriverSender.describe("https://driver.example.org:8443/events?token=s3cret"))
        .isEqualTo("https://driver.example.org:8443/events");
    assertThat(DriverSender.describe("http://user:s3cret@driver.example.org/events"))
        .isEqualTo("http://driver.example.org/events");
    assertThat(DriverSender.describe("http://user:s3cret@driver_x.example.org/events"))
        .as("an authority Java cannot parse as a server").doesNotContain("s3cret");
    assertThat(DriverSender.describe("not a url")).isEqualTo("an invalid URL");
  }

  @Test
  void permanentRefusalsAreTheFourHundredsOtherThanTimeoutAndTooManyRequests() {
    assertThat(DriverSender.permanentRefusal(400)).isTrue();
    assertThat(DriverSender.permanentRefusal(404)).isTrue();
    assertThat(DriverSender.permanentRefusal(410)).isTrue();
    assertThat(DriverSender.permanentRefusal(499)).isTrue();
    assertThat(DriverSender.permanentRefusal(408)).isFalse();
    assertThat(DriverSender.permanentRefusal(429)).isFalse();
    assertThat(DriverSender.permanentRefusal(500)).isFalse();
    assertThat(DriverSender.permanentRefusal(503)).isFalse();
    assertThat(DriverSender.permanentRefusal(302)).isFalse();
  }
}

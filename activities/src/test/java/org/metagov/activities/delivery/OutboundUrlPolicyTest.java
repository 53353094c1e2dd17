package org.metagov.activities.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutboundUrlPolicyTest {

  @Test
  void acceptsHttpAndHttpsUrlsAndRefusesTheRest() {
    OutboundUrlPolicy policy = new OutboundUrlPolicy(false);
    assertThat(policy.violation("https://driver.example.org/receive-outcome/4")).isEmpty();
    assertThat(policy.violation("http://127.0.0.1:9000/cb")).as("loopback allowed by default").isEmpty();
    assertThat(policy.violation("ftp://driver.example.org/x")).contains("must be an absolute http or https URL");
    assertThat(policy.violation("javascript:alert(1)")).contains("must be an absolute http or https URL");
    assertThat(policy.violation("/relative/path")).contains("must be an absolute http or https URL");
    assertThat(policy.violation("http://user:pass@driver.example.org/")).contains("must not carry credentials");
    assertThat(policy.violation("http://driver.example.org/" + "a".repeat(2000))).contains("must be at most 2000 characters");
    assertThat(policy.violation("http://exa mple.org/")).contains("is not a valid URL");
    assertThat(policy.violation("")).contains("must not be empty");
  }

  @Test
  void theOptInDenyListRefusesInternalAddresses() {
    OutboundUrlPolicy policy = new OutboundUrlPolicy(true);
    assertThat(policy.violation("http://127.0.0.1:9000/cb")).contains("points to an internal address, which this deployment does not allow");
    assertThat(policy.violation("http://localhost/cb")).isPresent();
    assertThat(policy.violation("http://10.1.2.3/cb")).isPresent();
    assertThat(policy.violation("http://192.168.0.1/cb")).isPresent();
    assertThat(policy.violation("http://169.254.169.254/latest/meta-data")).isPresent();
    assertThat(policy.violation("http://[::1]/cb")).isPresent();
    assertThat(policy.violation("http://[fd00::1]/cb")).isPresent();
    assertThat(policy.violation("http://100.64.0.1/cb")).isPresent();
    assertThat(policy.violation("http://8.8.8.8/cb")).as("a public literal address needs no lookup").isEmpty();
  }
}

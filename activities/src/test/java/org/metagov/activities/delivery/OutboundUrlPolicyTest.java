package org.metagov.activities.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The URL policy judged at the unit level: no socket is opened and no name is looked up (the
 * resolver is a fake that fails the test when asked about anything it does not know, and IP
 * literals never reach it).
 */
class OutboundUrlPolicyTest {

  private final List<String> lookedUp = new ArrayList<>();

  /** A resolver that knows a few made-up names and records every question. */
  private OutboundUrlPolicy.Resolver fakeDns(Map<String, String> answers) {
    return host -> {
      lookedUp.add(host);
      String answer = answers.get(host);
      if (answer == null) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {literal(answer)};
    };
  }

  private OutboundUrlPolicy denying() {
    return new OutboundUrlPolicy(true, host -> fail("looked up " + host));
  }

  private OutboundUrlPolicy allowing() {
    return new OutboundUrlPolicy(false, host -> fail("looked up " + host));
  }

  /** An IP literal as an address, without a lookup (IPv4-mapped literals stay IPv6). */
  private static InetAddress literal(String text) throws UnknownHostException {
    InetAddress parsed = InetAddress.getByName(text.contains(":") ? "[" + text + "]" : text);
    if (text.contains(":") && parsed.getAddress().length == 4) {
      byte[] mapped = new byte[16];
      mapped[10] = (byte) 0xff;
      mapped[11] = (byte) 0xff;
      System.arraycopy(parsed.getAddress(), 0, mapped, 12, 4);
      return Inet6Address.getByAddress(null, mapped, -1);
    }
    return parsed;
  }

  @Test
  void acceptsHttpAndHttpsUrlsAndRefusesTheRest() {
    OutboundUrlPolicy policy = new OutboundUrlPolicy(false);
    assertThat(policy.violation("https://driver.example.org/receive-outcome/4")).isEmpty();
    assertThat(policy.violation("http://127.0.0.1:9000/cb"))
        .as("loopback allowed when the deny-list is off")
        .isEmpty();
    assertThat(policy.violation("ftp://driver.example.org/x"))
        .contains("must be an absolute http or https URL");
    assertThat(policy.violation("javascript:alert(1)"))
        .contains("must be an absolute http or https URL");
    assertThat(policy.violation("/relative/path"))
        .contains("must be an absolute http or https URL");
    assertThat(policy.violation("http://user:pass@driver.example.org/"))
        .contains("must not carry credentials");
    assertThat(policy.violation("http://driver.example.org/" + "a".repeat(2000)))
        .contains("must be at most 2000 characters");
    assertThat(policy.violation("http://exa mple.org/")).contains("is not a valid URL");
    assertThat(policy.violation("")).contains("must not be empty");
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "0.0.0.0, \"this network\"",
    "0.1.2.3, \"this network\"",
    "0.255.255.255, \"this network\"",
    "10.0.0.0, private-use",
    "10.255.255.255, private-use",
    "100.64.0.0, carrier-grade NAT",
    "100.127.255.255, carrier-grade NAT",
    "127.0.0.1, loopback",
    "127.255.255.254, loopback",
    "169.254.0.1, link-local",
    "169.254.169.254, link-local",
    "172.16.0.1, private-use",
    "172.31.255.255, private-use",
    "192.0.0.1, IETF protocol assignments",
    "192.0.0.255, IETF protocol assignments",
    "192.0.0.8, IETF protocol assignments",
    "192.0.0.9, IETF protocol assignments",
    "192.0.0.170, IETF protocol assignments",
    "192.0.0.171, IETF protocol assignments",
    "192.0.2.1, TEST-NET-1",
    "192.31.196.1, AS112-v4",
    "192.52.193.1, AMT",
    "192.88.99.1, 6to4 relay",
    "192.168.0.1, private-use",
    "192.168.255.255, private-use",
    "192.175.48.1, direct delegation AS112",
    "198.18.0.1, benchmarking",
    "198.19.255.255, benchmarking",
    "198.51.100.1, TEST-NET-2",
    "203.0.113.1, TEST-NET-3",
    "224.0.0.1, multicast",
    "239.255.255.255, multicast",
    "240.0.0.1, reserved",
    "255.255.255.254, reserved",
    "255.255.255.255, limited broadcast"
  })
  void theDenyListRefusesEveryIpv4SpecialPurposeRange(String address, String range) {
    assertThat(denying().violation("http://" + address + ":8080/cb"))
        .hasValueSatisfying(
            why -> assertThat(why).startsWith("points to an internal address").contains(range));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "1.0.0.0",
        "9.255.255.255",
        "11.0.0.0",
        "100.63.255.255",
        "100.128.0.0",
        "126.255.255.255",
        "128.0.0.0",
        "169.253.255.255",
        "169.255.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "192.0.1.0",
        "192.0.3.0",
        "192.88.98.255",
        "192.88.100.0",
        "192.167.255.255",
        "192.169.0.0",
        "198.17.255.255",
        "198.20.0.0",
        "198.51.99.255",
        "198.51.101.0",
        "203.0.112.255",
        "203.0.114.0",
        "223.255.255.255",
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1"
      })
  void publicIpv4AddressesJustOutsideTheRangesAreAllowed(String address) {
    assertThat(denying().violation("https://" + address + "/cb")).isEmpty();
  }

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
    "::, unspecified",
    "::1, loopback (::1",
    "::2, IPv4-compatible",
    "::7f00:1, IPv4-compatible",
    "::5db8:d822, IPv4-compatible",
    "::ffff:127.0.0.1, loopback (127.0.0.0/8) via IPv4-mapped",
    "::ffff:7f00:1, loopback (127.0.0.0/8) via IPv4-mapped",
    "::ffff:10.0.0.1, private-use (10.0.0.0/8) via IPv4-mapped",
    "::ffff:a9fe:a9fe, link-local (169.254.0.0/16) via IPv4-mapped",
    "::ffff:0:0, \"this network\"",
    "64:ff9b::a00:1, private-use (10.0.0.0/8) via NAT64",
    "64:ff9b::127.0.0.1, loopback (127.0.0.0/8) via NAT64",
    "64:ff9b::c612:1, benchmarking (198.18.0.0/15) via NAT64",
    "64:ff9b:1::1, local-use NAT64",
    "64:ff9b:1:ffff:ffff:ffff:ffff:ffff, local-use NAT64",
    "100::1, discard-only",
    "100::ffff:ffff:ffff:ffff, discard-only",
    "100:0:0:1::1, dummy IPv6 prefix",
    "2001::1, Teredo",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2, Teredo",
    "2001:0:ffff:ffff::1, Teredo",
    "2001:1::1, IETF protocol assignments",
    "2001:1ff:ffff:ffff::1, IETF protocol assignments",
    "2001:1::2, IETF protocol assignments",
    "2001:1::3, IETF protocol assignments",
    "2001:2::1, IETF protocol assignments",
    "2001:3::1, IETF protocol assignments",
    "2001:4:112::1, IETF protocol assignments",
    "2001:10::1, IETF protocol assignments",
    "2001:20::1, IETF protocol assignments",
    "2001:30::1, IETF protocol assignments",
    "2001:db8::1, documentation (2001:db8::/32)",
    "2001:db8:ffff::1, documentation (2001:db8::/32)",
    "2002:7f00:1::, loopback (127.0.0.0/8) via 6to4",
    "2002:a00:1::1, private-use (10.0.0.0/8) via 6to4",
    "2002:c0a8:101::1, private-use (192.168.0.0/16) via 6to4",
    "2002:a9fe:a9fe:1::1, link-local (169.254.0.0/16) via 6to4",
    "2620:4f:8000::1, AS112",
    "3fff::1, documentation (3fff::/20)",
    "3fff:fff:ffff::1, documentation (3fff::/20)",
    "5f00::1, segment routing",
    "fc00::1, unique local",
    "fd12:3456::1, unique local",
    "fdff:ffff::1, unique local",
    "fe80::1, link-local (fe80::/10)",
    "febf:ffff::1, link-local (fe80::/10)",
    "fec0::1, site-local",
    "feff:ffff::1, site-local",
    "ff02::1, multicast",
    "ff0e::1, multicast",
    "1fff:ffff::1, outside IPv6 global unicast",
    "4000::1, outside IPv6 global unicast",
    "::ffff:0:7f00:1, outside IPv6 global unicast"
  })
  void theDenyListRefusesEveryIpv6SpecialPurposeRangeAndJudgesEmbeddedIpv4(
      String address, String range) {
    assertThat(denying().violation("http://[" + address + "]:8080/cb"))
        .hasValueSatisfying(
            why -> assertThat(why).startsWith("points to an internal address").contains(range));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "2606:4700::1111",
        "2a00:1450:4001::1",
        "2000::1",
        "3fff:1000::1",
        "2001:200::1",
        "2001:db9::1",
        "2620:4f:8001::1",
        "::ffff:93.184.216.34",
        "::ffff:5db8:d822",
        "64:ff9b::5db8:d822",
        "64:ff9b::8.8.8.8",
        "2002:5db8:d822::1",
        "2002:808:808::1"
      })
  void publicIpv6AddressesAndEmbeddingsOfPublicIpv4AreAllowed(String address) {
    assertThat(denying().violation("https://[" + address + "]/cb")).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://2130706433/", "http://0x7f.1/", "http://0x7f000001/", "http://0177.0.0.1/",
            "http://0177.1/",
        "http://127.1/", "http://017700000001/", "http://127.000.000.001/", "http://127.0.0.1./",
            "http://0x7f.0.0.1/",
        "http://1.2.3.4.5/", "http://foo.0x7f/", "http://foo.2130706433/", "http://1572395042/",
            "http://[fe80::1%25eth0]/"
      })
  void unusualHostSpellingsAreRefusedWhetherOrNotTheDenyListIsOnWithoutALookup(String url) {
    assertThat(denying().violation(url)).as("denying").isPresent();
    assertThat(allowing().violation(url)).as("allowing").isPresent();
  }

  @Test
  void hostNamesAreJudgedByWhatTheyResolveTo() {
    OutboundUrlPolicy policy =
        new OutboundUrlPolicy(
            true,
            fakeDns(
                Map.of(
                    "driver.example.org",
                    "93.184.216.34",
                    "1e100.example",
                    "2606:4700::1111",
                    "rebind.example",
                    "10.0.0.7",
                    "mapped.example",
                    "::ffff:127.0.0.1",
                    "nat64.example",
                    "64:ff9b::a9fe:a9fe")));
    assertThat(policy.violation("https://driver.example.org/cb")).isEmpty();
    assertThat(policy.violation("https://1e100.example/cb")).isEmpty();
    assertThat(policy.violation("http://rebind.example/cb"))
        .hasValueSatisfying(why -> assertThat(why).contains("private-use"));
    assertThat(policy.violation("http://mapped.example/cb"))
        .hasValueSatisfying(why -> assertThat(why).contains("loopback"));
    assertThat(policy.violation("http://nat64.example/cb"))
        .hasValueSatisfying(why -> assertThat(why).contains("link-local"));
    assertThat(policy.violation("http://nowhere.example/cb"))
        .contains("names a host that does not resolve");
    assertThat(policy.violation("http://localhost:9000/cb"))
        .hasValueSatisfying(why -> assertThat(why).contains("loopback"));
    assertThat(policy.violation("http://LOCALHOST./cb")).isPresent();
    assertThat(policy.violation("http://driver.localhost/cb")).isPresent();
    assertThat(policy.violation("http://127.0.0.1/cb")).isPresent();
    assertThat(policy.violation("http://[::1]/cb")).isPresent();
    assertThat(lookedUp)
        .containsExactly(
            "driver.example.org",
            "1e100.example",
            "rebind.example",
            "mapped.example",
            "nat64.example",
            "nowhere.example");
  }

  @Test
  void aRequestIsJudgedWithoutALookupAndItsConnectionByTheAddressesOfExactlyOneLookup()
      throws Exception {
    OutboundUrlPolicy policy =
        new OutboundUrlPolicy(
            true,
            fakeDns(Map.of("driver.example.org", "93.184.216.34", "rebind.example", "10.0.0.7")));
    assertThat(policy.requestViolation(URI.create("https://driver.example.org/cb"))).isEmpty();
    assertThat(policy.requestViolation(URI.create("http://rebind.example/cb")))
        .as("a name is judged when connecting, not here")
        .isEmpty();
    assertThat(policy.requestViolation(URI.create("http://127.0.0.1/cb")))
        .hasValueSatisfying(why -> assertThat(why).contains("loopback"));
    assertThat(policy.requestViolation(URI.create("http://localhost/cb")))
        .hasValueSatisfying(why -> assertThat(why).contains("loopback"));
    assertThat(policy.requestViolation(URI.create("http://0x7f.1/cb"))).isPresent();
    assertThat(policy.requestViolation(URI.create("http://u:p@driver.example.org/cb")))
        .contains("must not carry credentials");
    assertThat(lookedUp).isEmpty();

    assertThat(policy.addressesToConnect("driver.example.org"))
        .containsExactly(literal("93.184.216.34"));
    assertThatThrownBy(() -> policy.addressesToConnect("rebind.example"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class)
        .hasMessageContaining("private-use (10.0.0.0/8)");
    assertThatThrownBy(() -> policy.addressesToConnect("nowhere.example"))
        .isInstanceOf(UnknownHostException.class)
        .isNotInstanceOf(OutboundUrlPolicy.RefusedAddressException.class);
    assertThat(lookedUp).containsExactly("driver.example.org", "rebind.example", "nowhere.example");

    lookedUp.clear();
    assertThatThrownBy(() -> policy.addressesToConnect("127.0.0.1"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class);
    assertThatThrownBy(() -> policy.addressesToConnect("[::1]"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class);
    assertThatThrownBy(() -> policy.addressesToConnect("::ffff:7f00:1"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class);
    assertThatThrownBy(() -> policy.addressesToConnect("LocalHost"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class);
    assertThat(policy.addressesToConnect("93.184.216.34"))
        .containsExactly(literal("93.184.216.34"));
    assertThat(lookedUp).as("IP literals and localhost are never looked up").isEmpty();
  }

  @Test
  void aNameIsRefusedWhenAnyOfItsAddressesIsInternal() throws Exception {
    InetAddress[] answer = {literal("93.184.216.34"), literal("169.254.169.254")};
    OutboundUrlPolicy policy = new OutboundUrlPolicy(true, host -> answer);
    assertThatThrownBy(() -> policy.addressesToConnect("mixed.example"))
        .isInstanceOf(OutboundUrlPolicy.RefusedAddressException.class)
        .hasMessageContaining("link-local");
    assertThat(policy.violation("https://mixed.example/cb"))
        .hasValueSatisfying(why -> assertThat(why).contains("link-local"));
    assertThat(new OutboundUrlPolicy(false, host -> answer).addressesToConnect("mixed.example"))
        .containsExactly(answer);
  }

  @Test
  void withTheDenyListOffLoopbackAndPrivateAddressesAreAllowedAndNothingIsLookedUp() {
    OutboundUrlPolicy policy = allowing();
    assertThat(policy.violation("http://127.0.0.1:9000/cb")).isEmpty();
    assertThat(policy.violation("http://localhost:9000/cb")).isEmpty();
    assertThat(policy.violation("http://10.1.2.3/cb")).isEmpty();
    assertThat(policy.violation("http://[::1]:9000/cb")).isEmpty();
    assertThat(policy.violation("http://[fd00::1]/cb")).isEmpty();
  }

  @Test
  void anAddressAConnectorIsAboutToUseIsJudgedByTheSameTable() throws Exception {
    InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
    InetAddress mapped = literal("::ffff:7f00:1");
    InetAddress teredo = literal("2001:0:4136:e378:8000:63bf:3fff:fdd2");
    InetAddress scoped = Inet6Address.getByAddress(null, literal("fe80::1").getAddress(), 2);
    InetAddress outside = InetAddress.getByAddress(new byte[] {(byte) 198, 20, 0, 0});
    assertThat(mapped).isInstanceOf(Inet6Address.class);
    OutboundUrlPolicy policy = denying();
    assertThat(policy.violation(loopback))
        .hasValueSatisfying(why -> assertThat(why).contains("loopback"));
    assertThat(policy.violation(mapped))
        .hasValueSatisfying(
            why -> assertThat(why).contains("loopback (127.0.0.0/8) via IPv4-mapped"));
    assertThat(policy.violation(teredo))
        .hasValueSatisfying(why -> assertThat(why).contains("Teredo"));
    assertThat(policy.violation(scoped))
        .hasValueSatisfying(why -> assertThat(why).contains("link-local"));
    assertThat(policy.violation(outside)).isEmpty();
    assertThat(allowing().violation(loopback)).isEmpty();
    assertThat(OutboundUrlPolicy.specialPurpose(loopback)).contains("loopback (127.0.0.0/8)");
    assertThat(OutboundUrlPolicy.specialPurpose(outside)).isEmpty();
  }
}

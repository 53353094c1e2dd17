package org.metagov.activities.delivery;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Optional;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Which URLs Metagov may POST callbacks and events to: absolute http(s) URLs of bounded length, without
 * credentials in them, and, when {@code DELIVERY_DENY_PRIVATE_NETWORKS} is on, not on loopback, private,
 * link-local or other internal addresses (off by default: the tutorial runs the Driver on the same host).
 * The address check runs both when a URL is accepted and before each attempt, since DNS may change.
 */
@Component
public class OutboundUrlPolicy {

  public static final int MAX_LENGTH = 2000;

  private final boolean denyPrivateNetworks;

  public OutboundUrlPolicy(@Value("${metagov.delivery.deny-private-networks:false}") boolean denyPrivateNetworks) {
    this.denyPrivateNetworks = denyPrivateNetworks;
  }

  /** Why the URL may not be used, or empty when it may. */
  public Optional<String> violation(String url) {
    if (url == null || url.isBlank()) {
      return Optional.of("must not be empty");
    }
    if (url.length() > MAX_LENGTH) {
      return Optional.of("must be at most " + MAX_LENGTH + " characters");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme())) || uri.getHost() == null) {
      return Optional.of("must be an absolute http or https URL");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials");
    }
    if (denyPrivateNetworks) {
      try {
        for (InetAddress address : InetAddress.getAllByName(uri.getHost())) {
          if (internal(address)) {
            return Optional.of("points to an internal address, which this deployment does not allow");
          }
        }
      } catch (UnknownHostException e) {
        return Optional.of("names a host that does not resolve");
      }
    }
    return Optional.empty();
  }

  private static boolean internal(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress() || address.isLinkLocalAddress()
        || address.isSiteLocalAddress() || address.isMulticastAddress()) {
      return true;
    }
    byte[] raw = address.getAddress();
    if (raw.length == 16 && (raw[0] & 0xfe) == 0xfc) {
      return true; // IPv6 unique local, fc00::/7
    }
    return raw.length == 4 && (raw[0] & 0xff) == 100 && (raw[1] & 0xc0) == 64; // carrier-grade NAT, 100.64.0.0/10
  }
}

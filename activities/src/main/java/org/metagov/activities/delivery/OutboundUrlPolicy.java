package org.metagov.activities.delivery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Which URLs Metagov may POST callbacks and events to (and plugin {@code server_url}s): absolute
 * http(s) URLs of bounded length, without credentials in them, whose host is a name or a plainly
 * spelled IP address, and, when {@code DELIVERY_DENY_PRIVATE_NETWORKS} is on, not on a private,
 * loopback, link-local, multicast or other special-purpose address ({@link #RANGES}). The deny-list
 * is on by default whenever the service runs against a real Temporal or PostgreSQL; the embedded
 * development run leaves it off (and says so at start-up) so the tutorial's Driver can run on the
 * same host. The address check runs both when a URL is accepted and on every connection, since DNS
 * may change: {@link #addressesToConnect(String)} looks a name up once and judges the very
 * addresses the connection then uses, so an answer that changes between a check and the connection
 * (DNS rebinding) cannot slip an internal address through.
 */
@Component
public class OutboundUrlPolicy {

  public static final int MAX_LENGTH = 2000;

  private static final Logger log = LoggerFactory.getLogger(OutboundUrlPolicy.class);

  /** Four decimal numbers 0-255 without leading zeros: the only IPv4 spelling accepted. */
  private static final Pattern DOTTED_QUAD =
      Pattern.compile(
          "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");

  /**
   * A last label that makes resolvers and browsers read the host as an IPv4 address (WHATWG "ends
   * in a number").
   */
  private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]*");

  private static final Pattern IPV6_CHARS = Pattern.compile("[0-9a-fA-F:.]+");

  /** Looks a host name up; the default asks the system resolver. */
  @FunctionalInterface
  public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** What an address inside a range means. */
  private enum Verdict {
    DENY,
    ALLOW,
    EMBEDDED_IPV4
  }

  /**
   * One row of the table: a CIDR range, what it is, and what to do with an address inside it. For
   * {@link Verdict#EMBEDDED_IPV4} the IPv4 address in bytes {@code [embeddedAt, embeddedAt + 4)} is
   * judged instead.
   */
  private record Range(
      String cidr, byte[] prefix, int bits, String name, Verdict verdict, int embeddedAt) {

    static Range of(String cidr, String name, Verdict verdict, int embeddedAt) {
      int slash = cidr.indexOf('/');
      byte[] prefix =
          parseLiteral(cidr.substring(0, slash))
              .orElseThrow(() -> new IllegalArgumentException("bad range " + cidr))
              .getAddress();
      int bits = Integer.parseInt(cidr.substring(slash + 1));
      if (bits < 0 || bits > prefix.length * 8) {
        throw new IllegalArgumentException("bad range " + cidr);
      }
      return new Range(cidr, prefix, bits, name, verdict, embeddedAt);
    }

    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (prefix[full] & mask);
    }
  }

  private static Range deny(String cidr, String name) {
    return Range.of(cidr, name, Verdict.DENY, -1);
  }

  /**
   * The deny-list, after the IANA IPv4 and IPv6 Special-Purpose Address Registries (every entry,
   * including the few marked globally reachable: none is a place for a webhook) plus multicast, the
   * deprecated IPv6 site-local and IPv4-compatible ranges, and everything outside IPv6 global
   * unicast. The most specific range containing an address decides; IPv4 addresses outside every
   * row are allowed.
   */
  static final List<Range> RANGES =
      List.of(
          // IPv4
          deny("0.0.0.0/8", "\"this network\" (0.0.0.0/8)"),
          deny("10.0.0.0/8", "private-use (10.0.0.0/8)"),
          deny("100.64.0.0/10", "shared address space / carrier-grade NAT (100.64.0.0/10)"),
          deny("127.0.0.0/8", "loopback (127.0.0.0/8)"),
          deny("169.254.0.0/16", "link-local (169.254.0.0/16)"),
          deny("172.16.0.0/12", "private-use (172.16.0.0/12)"),
          deny("192.0.0.0/24", "IETF protocol assignments (192.0.0.0/24)"),
          deny("192.0.2.0/24", "documentation TEST-NET-1 (192.0.2.0/24)"),
          deny("192.31.196.0/24", "AS112-v4 (192.31.196.0/24)"),
          deny("192.52.193.0/24", "AMT (192.52.193.0/24)"),
          deny("192.88.99.0/24", "deprecated 6to4 relay anycast (192.88.99.0/24)"),
          deny("192.168.0.0/16", "private-use (192.168.0.0/16)"),
          deny("192.175.48.0/24", "direct delegation AS112 service (192.175.48.0/24)"),
          deny("198.18.0.0/15", "benchmarking (198.18.0.0/15)"),
          deny("198.51.100.0/24", "documentation TEST-NET-2 (198.51.100.0/24)"),
          deny("203.0.113.0/24", "documentation TEST-NET-3 (203.0.113.0/24)"),
          deny("224.0.0.0/4", "multicast (224.0.0.0/4)"),
          deny("240.0.0.0/4", "reserved (240.0.0.0/4)"),
          deny("255.255.255.255/32", "limited broadcast (255.255.255.255/32)"),
          // IPv6
          deny("::/0", "outside IPv6 global unicast (2000::/3)"),
          Range.of("2000::/3", "IPv6 global unicast", Verdict.ALLOW, -1),
          deny("::/128", "unspecified (::/128)"),
          deny("::1/128", "loopback (::1/128)"),
          deny("::/96", "deprecated IPv4-compatible IPv6 (::/96)"),
          Range.of("::ffff:0:0/96", "IPv4-mapped IPv6 (::ffff:0:0/96)", Verdict.EMBEDDED_IPV4, 12),
          Range.of(
              "64:ff9b::/96", "NAT64 well-known prefix (64:ff9b::/96)", Verdict.EMBEDDED_IPV4, 12),
          // Local-use NAT64: the operator picks the prefix length, so where the IPv4 address sits
          // is unknown;
          // the registry marks the whole /48 not globally reachable.
          deny("64:ff9b:1::/48", "local-use NAT64 (64:ff9b:1::/48)"),
          deny("100::/64", "discard-only (100::/64)"),
          deny("100:0:0:1::/64", "dummy IPv6 prefix (100:0:0:1::/64)"),
          deny("2001::/23", "IETF protocol assignments (2001::/23)"),
          // Teredo embeds the client's IPv4 address XOR-ed and the server's in the clear: deny all
          // of it.
          deny("2001::/32", "Teredo (2001::/32)"),
          deny("2001:db8::/32", "documentation (2001:db8::/32)"),
          Range.of("2002::/16", "6to4 (2002::/16)", Verdict.EMBEDDED_IPV4, 2),
          deny("2620:4f:8000::/48", "direct delegation AS112 service (2620:4f:8000::/48)"),
          deny("3fff::/20", "documentation (3fff::/20)"),
          deny("5f00::/16", "segment routing SIDs (5f00::/16)"),
          deny("fc00::/7", "unique local (fc00::/7)"),
          deny("fe80::/10", "link-local (fe80::/10)"),
          deny("fec0::/10", "deprecated site-local (fec0::/10)"),
          deny("ff00::/8", "multicast (ff00::/8)"));

  private final boolean denyPrivateNetworks;
  private final Resolver resolver;

  @Autowired
  public OutboundUrlPolicy(DeliveryProperties delivery) {
    this(delivery.denyPrivateNetworks());
  }

  public OutboundUrlPolicy(boolean denyPrivateNetworks) {
    this(denyPrivateNetworks, InetAddress::getAllByName);
    if (!denyPrivateNetworks) {
      log.warn(
          "Callback, event and plugin server URLs may point to loopback, private and other internal "
              + "addresses (DELIVERY_DENY_PRIVATE_NETWORKS is off; it is on by default whenever TEMPORAL_ADDRESS or "
              + "SPRING_DATASOURCE_URL is set). Do not expose this service to tenants you do not trust.");
    }
  }

  /** With the resolver that looks host names up (IP literals are never handed to it). */
  public OutboundUrlPolicy(boolean denyPrivateNetworks, Resolver resolver) {
    this.denyPrivateNetworks = denyPrivateNetworks;
    this.resolver = resolver;
  }

  /**
   * Thrown instead of an answer when a host's address is one this deployment does not connect to.
   * It is an {@link UnknownHostException} only because that is what a connector's resolver may
   * throw.
   */
  public static final class RefusedAddressException extends UnknownHostException {

    public RefusedAddressException(String refusal) {
      super(refusal);
    }
  }

  /**
   * Why the URL may not be used, or empty when it may. Judges a host name by what it resolves to
   * now.
   */
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
    Optional<String> refused = requestViolation(uri);
    if (refused.isPresent() || !denyPrivateNetworks || literal(uri.getHost()).isPresent()) {
      return refused;
    }
    try {
      addressesToConnect(uri.getHost());
    } catch (RefusedAddressException e) {
      return Optional.of(e.getMessage());
    } catch (UnknownHostException e) {
      return Optional.of("names a host that does not resolve");
    }
    return Optional.empty();
  }

  /**
   * Why a request to the URI may not be sent, judged without looking its host up: everything {@link
   * #violation(String)} checks except the length and the addresses a host name resolves to, which
   * {@link #addressesToConnect(String)} judges when the connection is made.
   */
  public Optional<String> requestViolation(URI uri) {
    if (!("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
        || uri.getHost() == null) {
      return Optional.of("must be an absolute http or https URL");
    }
    if (uri.getRawUserInfo() != null) {
      return Optional.of("must not carry credentials");
    }
    String host = uri.getHost();
    if (host.startsWith("[")) {
      if (!IPV6_CHARS.matcher(host.substring(1, host.length() - 1)).matches()) {
        return Optional.of("must not carry an IPv6 zone");
      }
    } else {
      String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
      String last = name.substring(name.lastIndexOf('.') + 1);
      if (NUMERIC_LABEL.matcher(last).matches() && !DOTTED_QUAD.matcher(name).matches()) {
        return Optional.of("must spell an IPv4 address as four decimal numbers");
      }
    }
    if (!denyPrivateNetworks) {
      return Optional.empty();
    }
    Optional<InetAddress> literal = literal(host);
    if (literal.isPresent()) {
      return violation(literal.get());
    }
    return localhost(host) ? Optional.of(refusal("loopback (localhost)")) : Optional.empty();
  }

  /**
   * The addresses a connection to the host may use: an IP literal as it is, a name as the resolver
   * answers it (one lookup, so that the address judged is the address connected to).
   *
   * @throws RefusedAddressException when any of them is one this deployment does not connect to
   * @throws UnknownHostException when the name does not resolve
   */
  public InetAddress[] addressesToConnect(String host) throws UnknownHostException {
    Optional<InetAddress> literal = literal(host);
    InetAddress[] addresses;
    if (literal.isPresent()) {
      addresses = new InetAddress[] {literal.get()};
    } else if (denyPrivateNetworks && localhost(host)) {
      throw new RefusedAddressException(refusal("loopback (localhost)"));
    } else {
      addresses = resolver.resolve(host);
    }
    for (InetAddress address : addresses) {
      Optional<String> refused = violation(address);
      if (refused.isPresent()) {
        throw new RefusedAddressException(refused.get());
      }
    }
    return addresses;
  }

  /**
   * The host as an address when it is an IP literal (an IPv6 one with or without brackets), without
   * a lookup.
   */
  private static Optional<InetAddress> literal(String host) {
    return parseLiteral(
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
  }

  private static boolean localhost(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    return name.equals("localhost") || name.endsWith(".localhost");
  }

  /**
   * Why this deployment may not connect to the address, or empty when it may (always empty with the
   * deny-list off).
   */
  public Optional<String> violation(InetAddress address) {
    return denyPrivateNetworks
        ? specialPurpose(address).map(OutboundUrlPolicy::refusal)
        : Optional.empty();
  }

  /**
   * The special-purpose range the address is in (for an embedded IPv4 address, the one it is in),
   * or empty.
   */
  public static Optional<String> specialPurpose(InetAddress address) {
    return specialPurpose(address.getAddress());
  }

  private static Optional<String> specialPurpose(byte[] raw) {
    Range decisive = null;
    for (Range range : RANGES) {
      if (range.contains(raw) && (decisive == null || range.bits() > decisive.bits())) {
        decisive = range;
      }
    }
    if (decisive == null || decisive.verdict() == Verdict.ALLOW) {
      return Optional.empty();
    }
    if (decisive.verdict() == Verdict.DENY) {
      return Optional.of(decisive.name());
    }
    byte[] embedded = new byte[4];
    System.arraycopy(raw, decisive.embeddedAt(), embedded, 0, 4);
    String via = decisive.name();
    return specialPurpose(embedded).map(inner -> inner + " via " + via);
  }

  private static String refusal(String range) {
    return "points to an internal address (" + range + "), which this deployment does not allow";
  }

  /**
   * An IPv4 dotted quad or IPv6 literal as an address, with no name lookup: IPv4 is parsed here,
   * IPv6 is handed to {@link InetAddress} in brackets, which makes it fail instead of resolving
   * when not a literal. IPv4-mapped IPv6 comes back as an IPv6 address, so that the table judges
   * it.
   */
  private static Optional<InetAddress> parseLiteral(String text) {
    try {
      if (DOTTED_QUAD.matcher(text).matches()) {
        String[] parts = text.split("\\.");
        byte[] raw = new byte[4];
        for (int i = 0; i < 4; i++) {
          raw[i] = (byte) Integer.parseInt(parts[i]);
        }
        return Optional.of(InetAddress.getByAddress(raw));
      }
      if (text.indexOf(':') < 0 || !IPV6_CHARS.matcher(text).matches()) {
        return Optional.empty();
      }
      InetAddress parsed = InetAddress.getByName("[" + text + "]");
      byte[] raw = parsed.getAddress();
      if (raw.length == 4) { // Java turns ::ffff:a.b.c.d into an IPv4 address; keep the IPv6 form
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return Optional.of(Inet6Address.getByAddress(null, mapped, -1));
      }
      return Optional.of(parsed);
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}

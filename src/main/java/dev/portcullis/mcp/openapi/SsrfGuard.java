package dev.portcullis.mcp.openapi;

import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import dev.portcullis.identity.GuardedFetch;
import dev.portcullis.identity.InternalAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Refuses addresses a REST call must not reach: loopback, private (RFC 1918, CGNAT), link-local
 * (cloud metadata at 169.254.169.254), unique-local, multicast, wildcard and other special
 * ranges, including IPv4 addresses wrapped in IPv6. Checked on the resolved addresses of every
 * host (and again on each redirect); the connection then goes to the address that was checked, so
 * a DNS answer cannot change between the check and the connect.
 */
public final class SsrfGuard implements GuardedFetch.Addresses {
  private final boolean allowAll;
  private final List<Cidr> allowed;

  public SsrfGuard(PrivateAccess access) {
    this.allowAll = access != null && access.all();
    List<Cidr> nets = new ArrayList<>();
    if (access != null) {
      for (String n : access.networks()) {
        nets.add(Cidr.parse(n));
      }
    }
    this.allowed = List.copyOf(nets);
  }

  /** Thrown when a host is refused or cannot be resolved. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  /** Resolves the host (blocking) and returns the address to connect to, or throws why not. */
  public InetAddress resolve(String host) throws Refused {
    if (host == null || host.isEmpty()) {
      throw new Refused("the URL has no host");
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress[] all;
    try {
      all = InetAddress.getAllByName(h);
    } catch (UnknownHostException e) {
      throw new Refused("host '" + host + "' does not resolve");
    }
    for (InetAddress a : all) {
      String why = refusal(a);
      if (why != null) {
        throw new Refused("refused to connect to '" + host + "': it resolves to " + a.getHostAddress()
            + ", " + why + " (allow it with allow_private_addresses)");
      }
    }
    return all[0];
  }

  @Override
  public String refusal(String host, InetAddress address) {
    String why = refusal(address);
    return why == null ? null
        : "it resolves to " + address.getHostAddress() + ", " + why + " (allow it with allow_private_addresses)";
  }

  /** Why this address is refused, or null when it may be reached. */
  public String refusal(InetAddress a) {
    String kind = InternalAddresses.kind(a);
    if (kind == null || allowAll) {
      return null;
    }
    for (Cidr c : allowed) {
      if (c.contains(a)) {
        return null;
      }
    }
    return kind;
  }

  /** An address block such as 127.0.0.1/32 or fd00::/8 (a bare address is a block of one). */
  record Cidr(byte[] network, int bits) {
    static Cidr parse(String s) {
      int slash = s.indexOf('/');
      String addr = slash < 0 ? s.trim() : s.substring(0, slash).trim();
      if (!addr.matches("[0-9a-fA-F.:]+")) {
        throw new IllegalArgumentException("'" + s + "' is not an IP address or CIDR block");
      }
      byte[] net;
      try {
        net = InetAddress.getByName(addr).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("'" + s + "' is not an IP address or CIDR block");
      }
      int bits = slash < 0 ? net.length * 8 : Integer.parseInt(s.substring(slash + 1).trim());
      if (bits < 0 || bits > net.length * 8) {
        throw new IllegalArgumentException("'" + s + "': prefix length out of range");
      }
      return new Cidr(net, bits);
    }

    boolean contains(InetAddress a) {
      byte[] b = a.getAddress();
      if (b.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((b[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}

package dev.portcullis.mcp.openapi;

import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import java.net.Inet4Address;
import java.net.Inet6Address;
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
public final class SsrfGuard {
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

  /** Why this address is refused, or null when it may be reached. */
  public String refusal(InetAddress a) {
    String kind = special(a);
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

  /** The kind of non-public address this is, or null for an ordinary public address. */
  static String special(InetAddress a) {
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      InetAddress embedded = embeddedV4(b);
      if (embedded != null) {
        return special(embedded);
      }
      if (a.isLoopbackAddress()) {
        return "a loopback address";
      }
      if (a.isAnyLocalAddress()) {
        return "the wildcard address";
      }
      if (a.isLinkLocalAddress() || (b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
        return "a link-local address";
      }
      if ((b[0] & 0xfe) == 0xfc) {
        return "a unique-local (private) address";
      }
      if (a.isMulticastAddress()) {
        return "a multicast address";
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
        return "a documentation address";
      }
      return null;
    }
    byte[] b = a.getAddress();
    int o0 = b[0] & 0xff;
    int o1 = b[1] & 0xff;
    if (o0 == 127) {
      return "a loopback address";
    }
    if (o0 == 0) {
      return "the wildcard address";
    }
    if (o0 == 169 && o1 == 254) {
      return "a link-local address (cloud metadata lives here)";
    }
    if (o0 == 10 || o0 == 172 && (o1 & 0xf0) == 16 || o0 == 192 && o1 == 168) {
      return "a private address";
    }
    if (o0 == 100 && (o1 & 0xc0) == 64) {
      return "a shared (CGNAT) address";
    }
    if (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0 || o0 == 198 && (o1 & 0xfe) == 18) {
      return "a reserved address";
    }
    if (o0 >= 224) {
      return "a multicast or reserved address";
    }
    return null;
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address. */
  private static InetAddress embeddedV4(byte[] b) {
    boolean zero10 = true;
    for (int i = 0; i < 10; i++) {
      zero10 &= b[i] == 0;
    }
    int at = -1;
    if (zero10 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      at = 12; // ::ffff:a.b.c.d
    } else if (zero10 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0)) {
      at = 12; // ::a.b.c.d (deprecated compatible form); ::1 and :: are handled as IPv6
    } else if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      at = 12; // 64:ff9b::/96
    } else if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
      at = 2; // 2002::/16
    }
    if (at < 0) {
      return null;
    }
    try {
      return Inet4Address.getByAddress(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]});
    } catch (UnknownHostException e) {
      return null;
    }
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

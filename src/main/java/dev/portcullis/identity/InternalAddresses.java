package dev.portcullis.identity;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Which addresses are not on the public internet: loopback, private (RFC 1918, CGNAT, unique
 * local), link-local (cloud metadata at 169.254.169.254), wildcard, multicast, documentation and
 * reserved blocks, including IPv4 addresses hidden inside IPv6 forms. The one classifier every
 * SSRF check in the gateway uses (discovery fetches, OpenAPI calls).
 */
public final class InternalAddresses {
  private InternalAddresses() {}

  /** The kind of non-public address this is, or null for an ordinary public address. */
  public static String kind(InetAddress a) {
    if (a instanceof Inet6Address) {
      byte[] b = a.getAddress();
      InetAddress embedded = embeddedV4(b);
      if (embedded != null) {
        return kind(embedded);
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

}

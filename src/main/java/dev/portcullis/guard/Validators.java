package dev.portcullis.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Checksums and range rules that tell real identifiers from look-alikes. */
public final class Validators {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Validators() {}

  /** Keeps the digits only. */
  static String digits(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The Luhn (mod 10) check used by payment cards. */
  public static boolean luhn(String number) {
    String d = digits(number);
    if (d.isEmpty()) {
      return false;
    }
    int sum = 0;
    boolean dbl = false;
    for (int i = d.length() - 1; i >= 0; i--) {
      int v = d.charAt(i) - '0';
      if (dbl) {
        v *= 2;
        if (v > 9) {
          v -= 9;
        }
      }
      sum += v;
      dbl = !dbl;
    }
    return sum % 10 == 0;
  }

  /**
   * A payment card: 13 to 19 digits, separators used consistently, a known issuer prefix
   * (Visa, Mastercard, Amex, Discover, Diners, JCB, UnionPay, Maestro) and the Luhn check.
   */
  public static boolean paymentCard(String candidate) {
    String d = digits(candidate);
    if (d.length() < 13 || d.length() > 19 || !luhn(d)) {
      return false;
    }
    boolean hasSpace = candidate.indexOf(' ') >= 0;
    boolean hasDash = candidate.indexOf('-') >= 0;
    if (hasSpace && hasDash || (hasSpace || hasDash) && !cardGrouping(candidate.split(hasSpace ? " " : "-"))) {
      return false;
    }
    if (allSame(d)) {
      return false;
    }
    int p2 = Integer.parseInt(d.substring(0, 2));
    int p4 = Integer.parseInt(d.substring(0, 4));
    int p6 = Integer.parseInt(d.substring(0, 6));
    int len = d.length();
    if (d.charAt(0) == '4') {
      return len == 13 || len == 16 || len == 19; // Visa
    }
    if (p2 >= 51 && p2 <= 55 || p6 >= 222100 && p6 <= 272099) {
      return len == 16; // Mastercard
    }
    if (p2 == 34 || p2 == 37) {
      return len == 15; // American Express
    }
    if (p4 == 6011 || p2 == 65 || p6 >= 644000 && p6 <= 649999 || p6 >= 622126 && p6 <= 622925) {
      return len >= 16; // Discover
    }
    if (p2 == 36 || p2 == 38 || p2 == 39 || p4 >= 3000 && p4 <= 3059) {
      return len >= 14; // Diners Club
    }
    if (p4 >= 3528 && p4 <= 3589) {
      return len >= 16; // JCB
    }
    if (p2 == 62) {
      return len >= 16; // UnionPay
    }
    if (p2 == 50 || p2 >= 56 && p2 <= 69) {
      return len >= 12; // Maestro
    }
    return false;
  }

  /** Cards are printed 4-4-4-4(-3), or 4-6-5 / 4-6-4 (American Express, Diners). */
  private static boolean cardGrouping(String[] groups) {
    if (groups.length == 3 && groups[0].length() == 4 && groups[1].length() == 6
        && (groups[2].length() == 5 || groups[2].length() == 4)) {
      return true;
    }
    for (int i = 0; i < groups.length - 1; i++) {
      if (groups[i].length() != 4) {
        return false;
      }
    }
    return groups.length >= 3 && groups[groups.length - 1].length() >= 1 && groups[groups.length - 1].length() <= 4;
  }

  private static boolean allSame(String d) {
    for (int i = 1; i < d.length(); i++) {
      if (d.charAt(i) != d.charAt(0)) {
        return false;
      }
    }
    return true;
  }

  /** IBAN lengths per country (ISO 13616 registry). */
  private static final Map<String, Integer> IBAN_LENGTHS = Map.ofEntries(
      Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
      Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BR", 29),
      Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28), Map.entry("CZ", 24), Map.entry("DE", 22),
      Map.entry("DK", 18), Map.entry("DO", 28), Map.entry("EE", 20), Map.entry("EG", 29), Map.entry("ES", 24),
      Map.entry("FI", 18), Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22), Map.entry("GE", 22),
      Map.entry("GI", 23), Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28), Map.entry("HR", 21),
      Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IS", 26), Map.entry("IT", 27),
      Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20), Map.entry("LB", 28), Map.entry("LI", 21),
      Map.entry("LT", 20), Map.entry("LU", 20), Map.entry("LV", 21), Map.entry("MC", 27), Map.entry("MD", 24),
      Map.entry("ME", 22), Map.entry("MK", 19), Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30),
      Map.entry("NL", 18), Map.entry("NO", 15), Map.entry("PK", 24), Map.entry("PL", 28), Map.entry("PS", 29),
      Map.entry("PT", 25), Map.entry("QA", 29), Map.entry("RO", 24), Map.entry("RS", 22), Map.entry("SA", 24),
      Map.entry("SE", 24), Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("TN", 24),
      Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("VG", 24), Map.entry("XK", 20));

  /** An IBAN: a known country, that country's length, and the ISO 7064 mod-97 check. */
  public static boolean iban(String candidate) {
    StringBuilder b = new StringBuilder(34);
    for (int i = 0; i < candidate.length(); i++) {
      char c = candidate.charAt(i);
      if (c != ' ' && c != '-') {
        b.append(Character.toUpperCase(c));
      }
    }
    String s = b.toString();
    Integer len = s.length() >= 4 ? IBAN_LENGTHS.get(s.substring(0, 2)) : null;
    if (len == null || s.length() != len) {
      return false;
    }
    String rearranged = s.substring(4) + s.substring(0, 4);
    int mod = 0;
    for (int i = 0; i < rearranged.length(); i++) {
      char c = rearranged.charAt(i);
      int v;
      if (c >= '0' && c <= '9') {
        v = c - '0';
        mod = (mod * 10 + v) % 97;
      } else if (c >= 'A' && c <= 'Z') {
        v = c - 'A' + 10;
        mod = (mod * 100 + v) % 97;
      } else {
        return false;
      }
    }
    return mod == 1;
  }

  /** The IBAN's country length, or -1 (used to trim a greedy candidate). */
  static int ibanLength(String country) {
    Integer l = IBAN_LENGTHS.get(country);
    return l == null ? -1 : l;
  }

  /** A US social security number: area not 000, 666 or 9xx; group not 00; serial not 0000. */
  public static boolean usSsn(String candidate) {
    String d = digits(candidate);
    if (d.length() != 9) {
      return false;
    }
    int area = Integer.parseInt(d.substring(0, 3));
    int group = Integer.parseInt(d.substring(3, 5));
    int serial = Integer.parseInt(d.substring(5));
    if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) {
      return false;
    }
    // Numbers published in advertising and known invalid examples.
    return !d.equals("078051120") && !d.equals("219099999") && !d.equals("123456789");
  }

  /** A UK National Insurance number: allowed prefix letters, six digits, suffix A-D. */
  public static boolean ukNino(String candidate) {
    String s = candidate.replace(" ", "").toUpperCase();
    if (s.length() != 9) {
      return false;
    }
    String prefix = s.substring(0, 2);
    if (prefix.equals("BG") || prefix.equals("GB") || prefix.equals("NK") || prefix.equals("KN")
        || prefix.equals("TN") || prefix.equals("NT") || prefix.equals("ZZ")) {
      return false;
    }
    char a = prefix.charAt(0);
    char b = prefix.charAt(1);
    return "DFIQUV".indexOf(a) < 0 && "DFIQUVO".indexOf(b) < 0 && s.charAt(8) >= 'A' && s.charAt(8) <= 'D';
  }

  private static final String DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE";

  /** A Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): the mod-23 check letter. */
  public static boolean spanishId(String candidate) {
    String s = candidate.replace("-", "").replace(" ", "").toUpperCase();
    if (s.length() != 9) {
      return false;
    }
    String num = s.substring(0, 8);
    char first = num.charAt(0);
    if (first == 'X' || first == 'Y' || first == 'Z') {
      num = (first - 'X') + num.substring(1);
    }
    for (int i = 0; i < num.length(); i++) {
      if (!Character.isDigit(num.charAt(i))) {
        return false;
      }
    }
    int n = Integer.parseInt(num);
    return DNI_LETTERS.charAt(n % 23) == s.charAt(8);
  }

  /** An IPv4 address: four octets 0-255 without leading zeros. */
  public static boolean ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || p.length() > 1 && p.charAt(0) == '0') {
        return false;
      }
      int v = Integer.parseInt(p);
      if (v > 255) {
        return false;
      }
    }
    return true;
  }

  /** An IPv6 address in any RFC 4291 text form (with :: compression and a dotted IPv4 tail). */
  public static boolean ipv6(String s) {
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    int dbl = s.indexOf("::");
    if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
      return false;
    }
    int groups = 0;
    String[] halves = dbl >= 0 ? new String[] {s.substring(0, dbl), s.substring(dbl + 2)} : new String[] {s};
    for (int h = 0; h < halves.length; h++) {
      String half = halves[h];
      if (half.isEmpty()) {
        continue;
      }
      String[] parts = half.split(":", -1);
      for (int i = 0; i < parts.length; i++) {
        String p = parts[i];
        boolean last = h == halves.length - 1 && i == parts.length - 1;
        if (last && p.indexOf('.') >= 0) {
          if (!ipv4(p)) {
            return false;
          }
          groups += 2;
          continue;
        }
        if (p.isEmpty() || p.length() > 4) {
          return false;
        }
        for (int k = 0; k < p.length(); k++) {
          if (Character.digit(p.charAt(k), 16) < 0) {
            return false;
          }
        }
        groups++;
      }
    }
    if (dbl >= 0) {
      return groups >= 2 && groups <= 7; // "::" and "::1" alone say nothing about anyone
    }
    return groups == 8;
  }

  /** A JSON Web Token: a base64url header that decodes to JSON with an {@code alg}. */
  public static boolean jwt(String token) {
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    try {
      byte[] header = Base64.getUrlDecoder().decode(stripPadding(token.substring(0, dot)));
      JsonNode h = JSON.readTree(new String(header, StandardCharsets.UTF_8));
      return h != null && h.has("alg");
    } catch (Exception e) {
      return false;
    }
  }

  private static String stripPadding(String s) {
    int e = s.length();
    while (e > 0 && s.charAt(e - 1) == '=') {
      e--;
    }
    return s.substring(0, e);
  }

  /** Shannon entropy in bits per character. */
  public static double entropy(CharSequence s) {
    int[] counts = new int[128];
    int other = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 128) {
        counts[c]++;
      } else {
        other++;
      }
    }
    double h = 0;
    double n = s.length();
    for (int c : counts) {
      if (c > 0) {
        double p = c / n;
        h -= p * (Math.log(p) / Math.log(2));
      }
    }
    if (other > 0) {
      double p = other / n;
      h -= p * (Math.log(p) / Math.log(2));
    }
    return h;
  }
}

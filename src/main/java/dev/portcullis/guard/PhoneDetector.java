package dev.portcullis.guard;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Telephone numbers, validated by libphonenumber. International numbers ({@code +44 ...},
 * {@code 0044 ...}) are checked against their own country; national numbers against each
 * configured region in turn. A national number written as a bare run of digits counts only
 * next to a word that announces a phone number (phone, tel, call, Telefon...), so that order
 * numbers and timestamps are not taken for phone numbers.
 */
public final class PhoneDetector implements Detector {
  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
  private static final Pattern CANDIDATE = Pattern.compile(
      "(?<![\\w+.\\-/:=#])(?:\\+|00)?(?:\\(\\+?\\d{1,4}\\)[ .\\-]?)?\\d[\\d ().\\-/]{5,22}\\d(?![\\w]|[.\\-/:]\\d)");
  private static final Pattern DATE = Pattern.compile(
      "\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}|\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  /** Shapes that are something else: IP address fragments, US social security numbers. */
  private static final Pattern OTHER = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){1,3}|\\d{3}-\\d{2}-\\d{4}");
  private static final String[] KEYWORDS = {"phone", "tel", "call", "mobile", "cell", "fax", "ring", "whatsapp",
      "sms", "text me", "contact", "número", "numero", "numéro", "nummer", "handy", "móvil", "movil", "cellulare",
      "telefon", "téléphone", "portable", "電話", "携帯"};

  private final List<String> regions;

  /** @param regions ISO 3166 region codes tried for national numbers, in order */
  public PhoneDetector(List<String> regions) {
    this.regions = regions.stream().map(r -> r.toUpperCase(Locale.ROOT)).toList();
  }

  @Override
  public String name() {
    return "phone";
  }

  @Override
  public String type() {
    return "PHONE";
  }

  @Override
  public int priority() {
    return 40;
  }

  @Override
  public int maxSpan() {
    return 32;
  }

  @Override
  public void detect(String text, List<Finding> out) {
    Matcher m = CANDIDATE.matcher(text);
    while (m.find()) {
      String c = m.group();
      int s = m.start();
      // a candidate may swallow a trailing number group that is not part of the phone number
      for (int tries = 0; tries < 3 && c.length() >= 7; tries++) {
        double conf = check(text, s, c);
        if (conf > 0) {
          out.add(new Finding("phone", "PHONE", s, s + c.length(), conf));
          break;
        }
        int cut = Math.max(c.lastIndexOf(' '), Math.max(c.lastIndexOf('-'), c.lastIndexOf('.')));
        if (cut <= 0) {
          break;
        }
        c = c.substring(0, cut).stripTrailing();
        while (!c.isEmpty() && !Character.isDigit(c.charAt(c.length() - 1))) {
          c = c.substring(0, c.length() - 1);
        }
      }
    }
  }

  /** The confidence that {@code c} (at {@code start} in {@code text}) is a phone number, or 0. */
  private double check(String text, int start, String c) {
    String digits = Validators.digits(c);
    if (digits.length() < 7 || digits.length() > 17 || DATE.matcher(c).matches() || OTHER.matcher(c).matches()
        || insideGroupedCode(text, start)) {
      return 0;
    }
    if (c.indexOf('(') >= 0 != c.indexOf(')') >= 0) {
      return 0;
    }
    boolean international = c.startsWith("+") || c.startsWith("00") && !c.startsWith("000");
    if (international) {
      String normalized = c.startsWith("00") ? "+" + c.substring(2) : c;
      return valid(normalized, "ZZ") ? 0.95 : 0;
    }
    boolean separated = false;
    for (int i = 0; i < c.length(); i++) {
      char ch = c.charAt(i);
      if (ch == ' ' || ch == '-' || ch == '(' || ch == '.' || ch == '/') {
        separated = true;
        break;
      }
    }
    boolean announced = announced(text, start);
    if (!separated && !announced) {
      return 0;
    }
    for (String region : regions) {
      if (valid(c, region)) {
        return announced ? 0.9 : 0.8;
      }
    }
    return 0;
  }

  private static boolean valid(String candidate, String region) {
    try {
      PhoneNumber n = UTIL.parse(candidate, region);
      return UTIL.isValidNumber(n);
    } catch (NumberParseException e) {
      return false;
    }
  }

  /**
   * True when the candidate continues a code printed in groups of four (an account number
   * whose checksum failed, a licence key): the word before it is four letters or digits.
   */
  private static boolean insideGroupedCode(String text, int start) {
    if (start < 5 || text.charAt(start - 1) != ' ') {
      return false;
    }
    for (int i = start - 5; i < start - 1; i++) {
      char ch = text.charAt(i);
      if (!(ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9')) {
        return false;
      }
    }
    return start == 5 || !Character.isLetterOrDigit(text.charAt(start - 6));
  }

  private static boolean announced(String text, int start) {
    int from = Math.max(0, start - 28);
    String before = text.substring(from, start).toLowerCase(Locale.ROOT);
    for (String k : KEYWORDS) {
      if (before.contains(k)) {
        return true;
      }
    }
    return false;
  }
}

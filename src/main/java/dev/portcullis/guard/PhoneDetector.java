package dev.portcullis.guard;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import java.util.Currency;
import java.util.List;
import java.util.function.IntPredicate;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Telephone numbers, checked with libphonenumber. International numbers ({@code +44 ...},
 * {@code 0044 ...}) count when their length is possible for their country (libphonenumber's
 * validity tables lag behind real numbering plans, so validity would miss real numbers);
 * national numbers must be valid in one of the configured regions. A national number written as
 * a bare run of digits counts only next to a word that announces a phone number (phone, tel,
 * call, Telefon...), and a national number of fewer than nine digits only when announced.
 *
 * <p>Numbers that are something else are rejected as classes, whatever their digits: amounts
 * (a currency symbol or ISO code beside them), decimals and coordinates (a '.' used as a decimal
 * point), version and build numbers (a one-digit group between dots, a trailing one-digit group),
 * ISBNs (978/979 with a valid check digit), dates, IP fragments, SSN shapes, and numbers after a
 * word that names a reference (order, invoice, ticket, ISBN, version, port...) nearer than any
 * phone word.
 */
public final class PhoneDetector implements Detector {
  private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();
  static final Pattern CANDIDATE = Pattern.compile(
      "(?<![\\w+.\\-/:=#])(?:\\+|00)?(?:\\(\\+?\\d{1,4}\\)[ .\\-]?)?\\d[\\d ().\\-/]{5,22}\\d(?![\\w]|[.\\-/:]\\d)");
  /** Every candidate starts with '+', '(' or a digit ("00" included). */
  static final IntPredicate CAN_START = c -> c == '+' || c == '(' || Candidates.digit(c);
  private static final Pattern DATE = Pattern.compile(
      "\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}|\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}|\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  /** Shapes that are something else: IP address fragments, US social security numbers. */
  private static final Pattern OTHER = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){1,3}|\\d{3}-\\d{2}-\\d{4}");
  private static final String[] KEYWORDS = {"phone", "tel", "call", "mobile", "cell", "fax", "ring", "whatsapp",
      "sms", "text me", "contact", "número", "numero", "numéro", "nummer", "handy", "móvil", "movil", "cellulare",
      "telefon", "téléphone", "portable", "電話", "携帯"};
  /** Words after which a number is a reference of some kind, not a phone number (whole words). */
  private static final String[] REFERENCE_WORDS = {"order", "invoice", "ref", "reference", "booking", "ticket",
      "case", "sku", "serial", "lot", "id", "badge", "member", "tracking", "account", "isbn", "issn", "ean",
      "version", "build", "release", "port", "range", "page", "pp", "patent", "po", "vorgang", "bestellnummer",
      "aktenzeichen", "rechnung", "commande", "facture", "pedido", "factura", "ordine", "fattura"};
  private static final Set<String> CURRENCY_CODES = Currency.getAvailableCurrencies().stream()
      .map(Currency::getCurrencyCode).collect(Collectors.toUnmodifiableSet());
  private static final String CURRENCY_SYMBOLS = "$€£¥₹₩₽¢₺₪₫฿₱";

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

  /** A candidate spans at most 34 characters (prefix, bracketed code, 24) and needs seven digits. */
  @Override
  public boolean possibleIn(TextFacts facts) {
    return facts.digitsWithin(7, 34);
  }

  @Override
  public void detect(String text, List<Finding> out) {
    detect(text, position -> false, out);
  }

  /**
   * Every finding of a candidate starts where the candidate starts, so a candidate starting
   * inside a finding of higher priority (the digits of an IBAN or a card number) is not worth
   * libphonenumber's time.
   */
  @Override
  public void detect(String text, IntPredicate claimed, List<Finding> out) {
    Candidates candidates = new Candidates(CANDIDATE, text, CAN_START);
    while (candidates.next()) {
      Matcher m = candidates.match();
      int s = m.start();
      if (claimed.test(s)) {
        continue;
      }
      String c = m.group();
      // a candidate may swallow a trailing number separated by a space that is not part of the
      // phone number; never cut at '-' or '.', which would leave a fragment of a longer code
      for (int tries = 0; tries < 3 && c.length() >= 7; tries++) {
        double conf = check(text, s, c);
        if (conf > 0) {
          out.add(new Finding("phone", "PHONE", s, s + c.length(), conf));
          break;
        }
        int cut = c.lastIndexOf(' ');
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
    if (endsWithOneDigitGroup(c) || decimalLike(c) || isbn13(digits) || amount(text, start, start + c.length())) {
      return 0;
    }
    boolean plus = c.startsWith("+");
    boolean doubleZero = c.startsWith("00") && !c.startsWith("000");
    if (plus || doubleZero) {
      String normalized = plus ? c : "+" + c.substring(2);
      // "00" also starts plenty of codes that are not phone numbers: there, ask for a valid number
      // unless it is written in groups like one
      return possible(normalized, plus || c.indexOf(' ') > 0) ? 0.95 : 0;
    }
    int context = context(text, start);
    if (context < 0) {
      return 0;
    }
    boolean announced = context > 0;
    boolean separated = false;
    for (int i = 0; i < c.length(); i++) {
      char ch = c.charAt(i);
      if (ch == ' ' || ch == '-' || ch == '(' || ch == '.' || ch == '/') {
        separated = true;
        break;
      }
    }
    if (!announced && (!separated || digits.length() < 9 || startsWithYear(c) || oneDigitGroups(c) > 1)) {
      return 0;
    }
    for (String region : regions) {
      if (valid(c, region)) {
        return announced ? 0.9 : 0.8;
      }
    }
    return 0;
  }

  /** Whether {@code plus} (a +CC number) has a possible length for its country, or is valid when asked. */
  private static boolean possible(String plus, boolean possibleEnough) {
    try {
      PhoneNumber n = UTIL.parse(plus, "ZZ");
      return possibleEnough ? UTIL.isPossibleNumber(n) : UTIL.isValidNumber(n);
    } catch (NumberParseException e) {
      return false;
    }
  }

  /** Version numbers, ISBN-10s and lot codes end in a one-digit group; phone numbers do not. */
  private static boolean endsWithOneDigitGroup(String c) {
    int n = c.length();
    return n >= 2 && !Character.isDigit(c.charAt(n - 2));
  }

  /**
   * A '.' used as a decimal point rather than a separator: a single '.', a '.' beside spaces
   * (a list of decimals), or a one-digit group between dots (a version number).
   */
  private static boolean decimalLike(String c) {
    int dots = 0;
    boolean space = false;
    for (int i = 0; i < c.length(); i++) {
      char ch = c.charAt(i);
      if (ch == '.') {
        dots++;
        if (i >= 2 && c.charAt(i - 2) == '.' && Character.isDigit(c.charAt(i - 1))) {
          return true;
        }
      } else if (ch == ' ') {
        space = true;
      }
    }
    return dots == 1 || dots > 0 && space;
  }

  private static boolean isbn13(String digits) {
    if (digits.length() != 13 || !(digits.startsWith("978") || digits.startsWith("979"))) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < 13; i++) {
      sum += (digits.charAt(i) - '0') * (i % 2 == 0 ? 1 : 3);
    }
    return sum % 10 == 0;
  }

  /** A currency symbol or ISO 4217 code just before or just after the number: an amount. */
  private static boolean amount(String text, int start, int end) {
    int b = start;
    while (b > 0 && text.charAt(b - 1) == ' ' && start - b < 2) {
      b--;
    }
    if (b > 0 && CURRENCY_SYMBOLS.indexOf(text.charAt(b - 1)) >= 0) {
      return true;
    }
    if (b >= 3 && CURRENCY_CODES.contains(text.substring(b - 3, b)) && (b == 3 || !Character.isLetter(text.charAt(b - 4)))) {
      return true;
    }
    int a = end;
    while (a < text.length() && text.charAt(a) == ' ' && a - end < 2) {
      a++;
    }
    if (a < text.length() && CURRENCY_SYMBOLS.indexOf(text.charAt(a)) >= 0) {
      return true;
    }
    return a + 3 <= text.length() && CURRENCY_CODES.contains(text.substring(a, a + 3))
        && (a + 3 == text.length() || !Character.isLetter(text.charAt(a + 3)));
  }

  /** References and dated codes often start with a year (2024-0315-7781, 2024/0815/17). */
  private static boolean startsWithYear(String c) {
    return c.length() > 5 && (c.startsWith("19") || c.startsWith("20")) && Character.isDigit(c.charAt(2))
        && Character.isDigit(c.charAt(3)) && (c.charAt(4) == '-' || c.charAt(4) == '/');
  }

  private static int oneDigitGroups(String c) {
    int groups = 0;
    int run = 0;
    for (int i = 0; i <= c.length(); i++) {
      if (i < c.length() && Character.isDigit(c.charAt(i))) {
        run++;
      } else {
        if (run == 1) {
          groups++;
        }
        run = 0;
      }
    }
    return groups;
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

  /**
   * What the words just before the number say: 1 when a phone word (phone, tel, Telefon...) is the
   * nearest, -1 when a reference word (order, invoice, ISBN...) is nearer, 0 when neither is there.
   */
  private static int context(String text, int start) {
    int from = Math.max(0, start - 28);
    String before = text.substring(from, start).toLowerCase(Locale.ROOT);
    int phone = -1;
    for (String k : KEYWORDS) {
      phone = Math.max(phone, before.lastIndexOf(k));
    }
    int reference = -1;
    for (String w : REFERENCE_WORDS) {
      reference = Math.max(reference, lastWord(before, w));
    }
    if (reference > phone) {
      return -1;
    }
    return phone >= 0 ? 1 : 0;
  }

  /** The last position of {@code w} as a whole word in {@code s}, or -1. */
  private static int lastWord(String s, String w) {
    int i = s.lastIndexOf(w);
    while (i >= 0) {
      int e = i + w.length();
      if ((i == 0 || !Character.isLetter(s.charAt(i - 1))) && (e == s.length() || !Character.isLetter(s.charAt(e)))) {
        return i;
      }
      i = i == 0 ? -1 : s.lastIndexOf(w, i - 1);
    }
    return -1;
  }
}

package dev.portcullis.guard;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The detectors Portcullis ships with, by configuration name. */
public final class BuiltInDetectors {
  private BuiltInDetectors() {}

  /** Regions tried for national phone numbers unless configured otherwise. */
  public static final List<String> DEFAULT_PHONE_REGIONS = List.of("US", "GB", "DE", "FR", "ES", "IT", "NL", "CH",
      "AT", "BE", "IE", "PT", "SE", "PL", "IN", "BR", "MX", "CA", "AU", "JP");

  /** Detectors off unless configured (they trade precision for recall). */
  public static final Set<String> OFF_BY_DEFAULT = Set.of("high_entropy");

  /** Names of the personal-data detectors; the rest are secrets. */
  public static final Set<String> PII = Set.of("email", "phone", "credit_card", "iban", "us_ssn", "uk_nino",
      "es_dni", "ipv4", "ipv6");

  private static final Set<String> IMAGE_TLDS = Set.of("png", "jpg", "jpeg", "gif", "svg", "webp", "js", "css",
      "map", "ico", "bmp", "tiff");

  /**
   * Every built-in detector, keyed by name (one name may hold several patterns).
   *
   * @param phoneRegions regions for national phone numbers
   * @param entropyMinLength shortest token the high-entropy detector considers
   * @param entropyThreshold bits per character a token needs to count as random
   */
  public static Map<String, List<Detector>> all(List<String> phoneRegions, int entropyMinLength,
      double entropyThreshold) {
    Map<String, List<Detector>> m = new LinkedHashMap<>();
    // personal data. Each pattern's last argument is a necessary condition of a match (digits it
    // needs within its span, a literal it contains) that lets text which cannot match skip it.
    add(m, new RegexDetector("email", "EMAIL", Pattern.compile(
        "(?<![\\p{L}\\p{N}._%+\\-])(?<v>[\\p{L}\\p{N}][\\p{L}\\p{N}._%+'\\-]{0,63}@(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}\\-]{0,61}"
            + "[\\p{L}\\p{N}])?\\.)+(?:\\p{L}{2,24}|xn--[a-z0-9]{2,59}))(?![\\p{L}\\p{N}\\-])"),
        BuiltInDetectors::email, 0.97, 80, 254, false, "@"));
    add(m, new PhoneDetector(phoneRegions));
    add(m, new RegexDetector("credit_card", "CREDIT_CARD",
        Pattern.compile("(?<![\\d\\-.+])(?<v>\\d(?:[ \\-]?\\d){11,18})(?![\\d]|[\\-.]\\d)"),
        Validators::paymentCard, 0.95, 70, 23, false, f -> f.digitsWithin(12, 23), Candidates::digit));
    add(m, new IbanDetector());
    add(m, new RegexDetector("us_ssn", "US_SSN",
        Pattern.compile("(?<![\\d\\-])(?<v>\\d{3}([\\- ])\\d{2}\\2\\d{4})(?![\\d]|-\\d)"),
        Validators::usSsn, 0.85, 65, 11, false, f -> f.digitsWithin(9, 11), Candidates::digit));
    add(m, new RegexDetector("us_ssn", "US_SSN", Pattern.compile(
        "(?i)(?:ssn|social security(?: number| no\\.?)?|soc\\.? ?sec\\.?)\\W{0,5}(?:no\\.?|number|#)?\\W{0,3}(?<v>\\d{9})(?!\\d)"),
        Validators::usSsn, 0.9, 66, 11, false,
        f -> f.longestDigitRun() >= 9 && f.containsAnyIgnoringCase("ssn", "soc"), c -> c == 's' || c == 'S'));
    add(m, new RegexDetector("uk_nino", "UK_NINO",
        Pattern.compile("(?<![A-Za-z0-9])(?<v>[A-Z]{2} ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D])(?![A-Za-z0-9])"),
        Validators::ukNino, 0.9, 65, 13, false, f -> f.hasCapitalsThenDigits(true) && f.digitsWithin(6, 8), c -> c >= 'A' && c <= 'Z'));
    add(m, new RegexDetector("es_dni", "ES_DNI",
        Pattern.compile("(?<![A-Za-z0-9\\-])(?<v>(?:[XYZ]\\d{7}|\\d{8})-?[A-Z])(?![A-Za-z0-9])"),
        Validators::spanishId, 0.9, 65, 10, false, f -> f.longestDigitRun() >= 7,
        c -> c == 'X' || c == 'Y' || c == 'Z' || Candidates.digit(c)));
    add(m, new RegexDetector("ipv4", "IP_ADDRESS",
        Pattern.compile("(?<![\\w.])(?<v>(?:\\d{1,3}\\.){3}\\d{1,3})(?![\\w]|\\.\\d)"),
        Validators::ipv4, 0.9, 55, 15, false, f -> f.digitDotDigitsWithin(3, 15), Candidates::digit));
    add(m, new RegexDetector("ipv6", "IP_ADDRESS", Pattern.compile(
        "(?<![\\w:.])(?<v>(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?)(?![\\w:])"),
        Validators::ipv6, 0.9, 60, 45, false, f -> f.colonsAroundHex(4),
        c -> c == ':' || TextFacts.isHex(c)));
    // secrets
    add(m, new RegexDetector("aws_access_key", "AWS_ACCESS_KEY", Pattern.compile(
        "(?<![A-Za-z0-9])(?<v>(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z2-7]{16})(?![A-Za-z0-9])"),
        BuiltInDetectors::notAwsExample, 0.95, 85, 20, true,
        "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "APKA"));
    add(m, new RegexDetector("aws_secret_key", "AWS_SECRET_KEY", Pattern.compile(
        "(?i)(?:aws.{0,24}?(?:secret|sk)|SecretAccessKey).{0,24}?[=:\"'\\s]+(?<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"),
        BuiltInDetectors::notAwsExample, 0.9, 85, 40, true,
        f -> f.containsAnyIgnoringCase("aws", "secretaccesskey")));
    add(m, new RegexDetector("github_token", "GITHUB_TOKEN", Pattern.compile(
        "(?<![A-Za-z0-9_])(?<v>gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,255})(?![A-Za-z0-9_])"),
        null, 0.99, 85, 255, true, "gh", "github_pat_"));
    add(m, new RegexDetector("gitlab_token", "GITLAB_TOKEN", Pattern.compile(
        "(?<![A-Za-z0-9_\\-])(?<v>(?:glpat|gldt|glrt|glptt|glsoat|glcbt)-[A-Za-z0-9_\\-]{20,64})(?![A-Za-z0-9_\\-])"),
        null, 0.99, 85, 70, true, "gl"));
    add(m, new RegexDetector("slack_token", "SLACK_TOKEN", Pattern.compile(
        "(?<![A-Za-z0-9\\-])(?<v>xox[abposer]-[A-Za-z0-9\\-]{10,250}|https://hooks\\.slack\\.com/services/"
            + "T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,40})(?![A-Za-z0-9\\-])"),
        null, 0.97, 85, 260, true, "xox", "hooks.slack.com"));
    add(m, new RegexDetector("stripe_key", "STRIPE_KEY", Pattern.compile(
        "(?<![A-Za-z0-9_])(?<v>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,247}|whsec_[A-Za-z0-9]{24,64})(?![A-Za-z0-9_])"),
        null, 0.99, 85, 255, true, "_live_", "_test_", "whsec_"));
    add(m, new RegexDetector("anthropic_key", "ANTHROPIC_KEY", Pattern.compile(
        "(?<![A-Za-z0-9_\\-])(?<v>sk-ant-(?:api|admin|oat|ort)\\d{2}-[A-Za-z0-9_\\-]{32,200})(?![A-Za-z0-9_\\-])"),
        null, 0.99, 86, 220, true, "sk-ant-"));
    add(m, new RegexDetector("openai_key", "OPENAI_KEY", Pattern.compile(
        "(?<![A-Za-z0-9_\\-])(?<v>sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\\-]{32,200})(?![A-Za-z0-9_\\-])"),
        BuiltInDetectors::openAiKey, 0.95, 85, 220, true, "sk-"));
    add(m, new RegexDetector("jwt", "JWT", Pattern.compile(
        "(?<![A-Za-z0-9_\\-])(?<v>eyJ[A-Za-z0-9_\\-]{8,}\\.eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{16,})(?![A-Za-z0-9_\\-])"),
        Validators::jwt, 0.98, 90, 4096, true, "eyJ"));
    add(m, new RegexDetector("private_key", "PRIVATE_KEY", Pattern.compile(
        "(?<v>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]{16,16000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY"
            + "(?: BLOCK)?-----)"),
        null, 0.99, 100, 16_100, true, "PRIVATE KEY"));
    add(m, new RegexDetector("connection_string", "CONNECTION_STRING", Pattern.compile(
        "(?<![A-Za-z0-9+])(?<v>(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver"
            + "|clickhouse|jdbc:[a-z]+|s?ftp|smtps?)://[^\\s:/@'\"<>]{1,128}:(?<pw>[^\\s@/'\"<>]{3,128})@[^\\s/'\"?<>,;)]+"
            + "(?:/[^\\s'\"?<>,;)]*)?)"),
        BuiltInDetectors::connectionString, 0.95, 95, 512, true, "://"));
    add(m, new EntropyDetector(entropyMinLength, entropyThreshold));
    for (var e : m.entrySet()) {
      e.setValue(Collections.unmodifiableList(e.getValue()));
    }
    return Collections.unmodifiableMap(m);
  }

  private static void add(Map<String, List<Detector>> m, Detector d) {
    m.computeIfAbsent(d.name(), k -> new ArrayList<>()).add(d);
  }

  private static boolean email(String s) {
    int at = s.lastIndexOf('@');
    String local = s.substring(0, at);
    String domain = s.substring(at + 1);
    if (local.contains("..") || local.endsWith(".") || domain.contains("..")) {
      return false;
    }
    String tld = domain.substring(domain.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return !IMAGE_TLDS.contains(tld);
  }

  /** AWS documents its sample credentials (AKIAIOSFODNN7EXAMPLE...) with this suffix; they are everywhere in docs. */
  private static boolean notAwsExample(String s) {
    return !s.endsWith("EXAMPLE") && !s.endsWith("EXAMPLEKEY");
  }

  private static boolean openAiKey(String s) {
    if (s.startsWith("sk-ant-")) {
      return false;
    }
    int digits = 0;
    int upper = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isDigit(c)) {
        digits++;
      } else if (Character.isUpperCase(c)) {
        upper++;
      }
    }
    return digits >= 2 && upper >= 2 && s.length() >= 40;
  }

  private static final Pattern PLACEHOLDER_PASSWORD = Pattern.compile(
      "\\$\\{.*}|\\{\\{.*}}|<.*>|\\*+|x+|X+|%s|password|pass|secret|changeme|\\$[A-Z_]+|:?[A-Z_]+_PASSWORD");

  private static boolean connectionString(String s) {
    int scheme = s.indexOf("://");
    int at = s.lastIndexOf('@');
    int colon = s.indexOf(':', scheme + 3);
    if (colon < 0 || at < colon) {
      return false;
    }
    String pw = s.substring(colon + 1, at);
    return !PLACEHOLDER_PASSWORD.matcher(pw).matches();
  }
}

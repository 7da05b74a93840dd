package dev.portcullis.guard;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The guard applied to one call (one LLM request, one tool call): changes the request's text
 * as the plan says, keeps the per-call vault of pseudonymised values, and puts them back into
 * the response. Remembers which data types it saw (for the audit trail), never the values
 * beyond the call. Synchronised: a call's request and response may be handled on different threads.
 */
public final class GuardSession {
  /** Placeholders: [TYPE_N]. */
  static final Pattern PLACEHOLDER = Pattern.compile("\\[([A-Z][A-Z0-9_]{0,40}_\\d{1,6})]");
  /** Longest placeholder: what a restoring stream holds back at most. */
  static final int MAX_PLACEHOLDER = 50;

  private final GuardPlan plan;
  private final byte[] hashKey;
  private final Map<String, String> placeholderByValue = new HashMap<>();
  private final Map<String, String> originalByPlaceholder = new HashMap<>();
  private final Map<String, Integer> counters = new HashMap<>();
  private final Set<String> requestTypes = new TreeSet<>();
  private final Set<String> responseTypes = new TreeSet<>();
  private final Set<String> rulesApplied = new TreeSet<>();
  private int findings;

  GuardSession(GuardPlan plan, byte[] hashKey) {
    this.plan = plan;
    this.hashKey = hashKey;
  }

  public GuardPlan plan() {
    return plan;
  }

  /** True when the response needs work (restoring pseudonyms or scanning). */
  public boolean touchesResponses() {
    return plan.touchesResponses();
  }

  /** True when the request side has any detector to run. */
  public boolean scansRequests() {
    return !plan.requestScanner().isEmpty();
  }

  /**
   * Applies the request-side actions to one piece of text going upstream.
   *
   * @throws GuardBlockedException when a block rule matched
   */
  public synchronized String request(String text) {
    return apply(text, plan.requestScanner(), plan.requestActions(), plan.requestRules(), requestTypes, false);
  }

  /**
   * Applies the request-side actions to consecutive parts of one message (content parts, text
   * blocks, content items), scanned as one text so that a value split across parts is found;
   * each part gets back its own share of the result.
   *
   * @throws GuardBlockedException when a block rule matched
   */
  public synchronized List<String> requestParts(List<String> parts) {
    return applyParts(parts, plan.requestScanner(), plan.requestActions(), plan.requestRules(), requestTypes, false);
  }

  /** Like {@link #response(String)} for consecutive parts of one message, scanned as one text. */
  public synchronized List<String> responseParts(List<String> parts) {
    List<String> restored = new ArrayList<>(parts.size());
    for (String p : parts) {
      restored.add(restore(p));
    }
    return applyParts(restored, plan.responseScanner(), plan.responseActions(), plan.responseRules(), responseTypes,
        true);
  }

  /** Restores pseudonymised values and applies the response-side actions to text going to the caller. */
  public synchronized String response(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    String restored = restore(text);
    return apply(restored, plan.responseScanner(), plan.responseActions(), plan.responseRules(), responseTypes,
        true);
  }

  /** Only puts pseudonymised values back (no scanning). */
  public synchronized String restore(String text) {
    if (text == null || originalByPlaceholder.isEmpty() || text.indexOf('[') < 0) {
      return text;
    }
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = null;
    int last = 0;
    while (m.find()) {
      String original = originalByPlaceholder.get(m.group(1));
      if (original == null) {
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length() + 32);
      }
      out.append(text, last, m.start()).append(original);
      last = m.end();
    }
    if (out == null) {
      return text;
    }
    return out.append(text, last, text.length()).toString();
  }

  /** A stream of response text (one content channel) to restore and scan as it arrives. */
  public GuardStream stream() {
    return new GuardStream(this, plan.responseScanner().maxSpan(), !plan.responseScanner().isEmpty());
  }

  /** Data types found in requests, sorted (EMAIL, PHONE...). */
  public synchronized Set<String> requestTypes() {
    return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(requestTypes));
  }

  /** Data types found in responses, sorted. */
  public synchronized Set<String> responseTypes() {
    return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(responseTypes));
  }

  /** All data types found, both ways. */
  public synchronized Set<String> findingTypes() {
    Set<String> all = new TreeSet<>(requestTypes);
    all.addAll(responseTypes);
    return all;
  }

  /** Names of the rules that acted. */
  public synchronized Set<String> rules() {
    return java.util.Collections.unmodifiableSortedSet(new TreeSet<>(rulesApplied));
  }

  public synchronized int findings() {
    return findings;
  }

  /** Scans and transforms, for the stream (which has already restored). */
  synchronized String scanResponse(String text) {
    return apply(text, plan.responseScanner(), plan.responseActions(), plan.responseRules(), responseTypes, true);
  }

  synchronized List<Finding> scanResponseFindings(String text) {
    return plan.responseScanner().scan(text);
  }

  synchronized String transformResponse(String text, List<Finding> found, boolean streaming) {
    return transform(text, found, plan.responseActions(), plan.responseRules(), responseTypes, true, streaming);
  }

  private String apply(String text, Scanner scanner, Map<String, Action> actions, Map<String, String> rules,
      Set<String> types, boolean response) {
    if (text == null || text.isEmpty() || scanner.isEmpty()) {
      return text;
    }
    List<Finding> found = scanner.scan(text);
    if (found.isEmpty()) {
      return text;
    }
    return transform(text, found, actions, rules, types, response, false);
  }

  private List<String> applyParts(List<String> parts, Scanner scanner, Map<String, Action> actions,
      Map<String, String> rules, Set<String> types, boolean response) {
    if (parts.size() == 1) {
      return List.of(apply(parts.get(0), scanner, actions, rules, types, response));
    }
    if (scanner.isEmpty()) {
      return parts;
    }
    JoinedParts joined = JoinedParts.scan(parts, scanner);
    List<Finding> found = joined.findings();
    if (found.isEmpty()) {
      return parts;
    }
    String text = joined.text();
    if (response && !originalByPlaceholder.isEmpty()) {
      found = withoutCallersOwnValues(text, found);
    }
    record(found, actions, rules, types, response, false);
    // a log rule changes nothing, not even which part holds which share of a split value
    found = found.stream().filter(f -> actions.get(f.detector()) != Action.LOG).toList();
    if (found.isEmpty()) {
      return parts;
    }
    List<String> out = new ArrayList<>(parts.size());
    int next = 0; // the first finding that may still reach into the current part
    for (int p = 0; p < parts.size(); p++) {
      int ps = joined.start(p);
      int pe = joined.start(p + 1);
      StringBuilder b = new StringBuilder(pe - ps + 16);
      int last = ps;
      while (next < found.size() && found.get(next).end() <= ps) {
        next++;
      }
      for (int i = next; i < found.size() && found.get(i).start() < pe; i++) {
        Finding f = found.get(i);
        if (f.start() >= ps) {
          // the replacement goes where the value starts; the other parts lose their share of it
          b.append(text, last, f.start()).append(replacement(f, text, actions));
        }
        last = Math.max(last, Math.min(f.end(), pe));
      }
      out.add(b.append(text, last, pe).toString());
    }
    return out;
  }

  private String transform(String text, List<Finding> found, Map<String, Action> actions, Map<String, String> rules,
      Set<String> types, boolean response, boolean streaming) {
    if (response && !originalByPlaceholder.isEmpty()) {
      found = withoutCallersOwnValues(text, found);
      if (found.isEmpty()) {
        return text;
      }
    }
    record(found, actions, rules, types, response, streaming);
    StringBuilder out = new StringBuilder(text.length() + 16);
    int last = 0;
    for (Finding f : found) {
      out.append(text, last, f.start()).append(replacement(f, text, actions));
      last = f.end();
    }
    return out.append(text, last, text.length()).toString();
  }

  /** Notes the findings (types, rules, count); refuses when a block rule matched. */
  private void record(List<Finding> found, Map<String, Action> actions, Map<String, String> rules,
      Set<String> types, boolean response, boolean streaming) {
    Set<String> blocked = null;
    String blockRule = null;
    for (Finding f : found) {
      types.add(f.type());
      findings++;
      rulesApplied.add(rules.get(f.detector()));
      if (actions.get(f.detector()) == Action.BLOCK && !streaming) {
        if (blocked == null) {
          blocked = new TreeSet<>();
          blockRule = rules.get(f.detector());
        }
        blocked.add(f.type());
      }
    }
    if (blocked != null) {
      throw new GuardBlockedException(blockRule, blocked, response);
    }
  }

  private String replacement(Finding f, String text, Map<String, Action> actions) {
    String value = text.substring(f.start(), f.end());
    return switch (actions.get(f.detector())) {
      case LOG -> value;
      case MASK -> mask(value);
      case HASH -> "[" + f.type() + ":" + hash(value) + "]";
      case PSEUDONYMISE -> placeholder(f.type(), value, true);
      case REDACT, BLOCK -> placeholder(f.type(), value, false);
    };
  }

  /**
   * Drops findings that are values this caller sent and the gateway pseudonymised: restoring
   * them is the point of pseudonymisation, so the response scan must not hide them again.
   */
  private List<Finding> withoutCallersOwnValues(String text, List<Finding> found) {
    List<Finding> kept = new java.util.ArrayList<>(found.size());
    for (Finding f : found) {
      if (!originalByPlaceholder.containsValue(text.substring(f.start(), f.end()))) {
        kept.add(f);
      }
    }
    return kept;
  }

  /** The same value gets the same placeholder within a call. */
  private String placeholder(String type, String value, boolean reversible) {
    String key = type + '\u0000' + value;
    String p = placeholderByValue.get(key);
    if (p == null) {
      int n = counters.merge(type, 1, Integer::sum);
      p = type + "_" + n;
      placeholderByValue.put(key, p);
    }
    if (reversible) {
      originalByPlaceholder.put(p, value);
    }
    return "[" + p + "]";
  }

  static String mask(String value) {
    int keep = value.length() > 8 ? 4 : 0;
    StringBuilder b = new StringBuilder(value.length());
    int cut = value.length() - keep;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      b.append(i < cut && Character.isLetterOrDigit(c) ? '*' : c);
    }
    return b.toString();
  }

  private String hash(String value) {
    return keyedHash(hashKey, value);
  }

  /** The first six bytes of HMAC-SHA-256 of the value, in hex. */
  static String keyedHash(byte[] hashKey, String value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hashKey.length == 0 ? new byte[1] : hashKey, "HmacSHA256"));
      byte[] h = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 6);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.portcullis.guard;

import dev.portcullis.config.GuardConfig;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Builds the {@link Guard} from the {@code guard} configuration section, or explains what is wrong. */
public final class GuardFactory {
  private GuardFactory() {}

  /** The guard, or null when the configuration has no rules (then nothing is scanned). */
  public static Guard build(GuardConfig config) {
    if (config.rules().isEmpty()) {
      return null;
    }
    List<String> problems = problems(config);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    List<String> regions = config.phoneRegions().isEmpty() ? BuiltInDetectors.DEFAULT_PHONE_REGIONS
        : config.phoneRegions();
    Map<String, List<Detector>> all = BuiltInDetectors.all(regions, config.entropy().minLength(),
        config.entropy().threshold());
    Map<String, List<Detector>> enabled = new LinkedHashMap<>();
    for (var e : all.entrySet()) {
      String name = e.getKey();
      boolean on = BuiltInDetectors.OFF_BY_DEFAULT.contains(name) ? config.enabled().contains(name)
          : !config.disabled().contains(name);
      if (on) {
        enabled.put(name, e.getValue());
      }
    }
    for (GuardConfig.CustomDetectorConfig c : config.custom()) {
      enabled.put(c.name(), List.of(custom(c)));
    }
    List<GuardRule> rules = new ArrayList<>();
    int i = 0;
    for (GuardConfig.RuleConfig r : config.rules()) {
      i++;
      String dir = r.direction() == null ? "request" : r.direction().toLowerCase(Locale.ROOT);
      rules.add(new GuardRule(r.name() == null ? "rule-" + i : r.name(), r.surfaces(), r.routes(), r.models(),
          r.keys(), r.personas(), r.servers(), r.tools(),
          r.detectors() == null ? null : new HashSet<>(r.detectors()), Action.parse(r.action()),
          !dir.equals("response"), !dir.equals("request")));
    }
    byte[] key;
    if (config.hashKey() != null && !config.hashKey().isEmpty()) {
      key = config.hashKey().getBytes(StandardCharsets.UTF_8);
    } else {
      key = new byte[32]; // without a configured key hashes are stable only within one process
      new SecureRandom().nextBytes(key);
    }
    return new Guard(enabled, rules, key);
  }

  /** Configuration mistakes, each one sentence naming where it is. */
  public static List<String> problems(GuardConfig config) {
    List<String> out = new ArrayList<>();
    Set<String> known = new HashSet<>(BuiltInDetectors.all(List.of("US"), 20, 3.5).keySet());
    for (String n : config.enabled()) {
      if (!known.contains(n)) {
        out.add("guard.enabled: unknown detector '" + n + "' (known: " + String.join(", ", sorted(known)) + ")");
      }
    }
    for (String n : config.disabled()) {
      if (!known.contains(n)) {
        out.add("guard.disabled: unknown detector '" + n + "'");
      }
    }
    int i = 0;
    for (GuardConfig.CustomDetectorConfig c : config.custom()) {
      i++;
      String where = "guard.custom[" + i + "]";
      if (c.name() == null || c.name().isBlank()) {
        out.add(where + ": a custom detector needs a name");
        continue;
      }
      if (known.contains(c.name())) {
        out.add(where + ": '" + c.name() + "' is the name of a built-in detector");
      }
      known.add(c.name());
      boolean hasRegex = c.regex() != null && !c.regex().isEmpty();
      boolean hasWords = c.words() != null && !c.words().isEmpty();
      if (hasRegex == hasWords) {
        out.add(where + " (" + c.name() + "): give either regex or words");
      }
      if (hasRegex) {
        try {
          Pattern.compile(c.regex());
        } catch (PatternSyntaxException e) {
          out.add(where + " (" + c.name() + "): invalid regex: " + e.getDescription());
        }
      }
    }
    for (String r : config.phoneRegions()) {
      if (!com.google.i18n.phonenumbers.PhoneNumberUtil.getInstance().getSupportedRegions()
          .contains(r.toUpperCase(Locale.ROOT))) {
        out.add("guard.phone_regions: unknown region '" + r + "'");
      }
    }
    i = 0;
    for (GuardConfig.RuleConfig r : config.rules()) {
      i++;
      String where = "guard.rules[" + i + "]" + (r.name() == null ? "" : " (" + r.name() + ")");
      if (r.action() == null) {
        out.add(where + ": action is required (redact, mask, hash, block, pseudonymise or log)");
      } else {
        try {
          Action.parse(r.action());
        } catch (IllegalArgumentException e) {
          out.add(where + ": " + e.getMessage());
        }
      }
      if (r.direction() != null && !Set.of("request", "response", "both").contains(r.direction())) {
        out.add(where + ": direction must be request, response or both");
      }
      if (r.detectors() != null) {
        for (String d : r.detectors()) {
          if (!known.contains(d) && !Set.of("pii", "secrets", "all").contains(d)) {
            out.add(where + ": unknown detector '" + d + "'");
          }
        }
      }
      if (r.surfaces() != null) {
        for (String s : r.surfaces()) {
          if (!s.equals("llm") && !s.equals("mcp") && !s.equals("*")) {
            out.add(where + ": surfaces are llm and mcp, not '" + s + "'");
          }
        }
      }
    }
    return out;
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }

  static Detector custom(GuardConfig.CustomDetectorConfig c) {
    String type = c.type() != null ? c.type() : c.name().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    boolean secret = Boolean.TRUE.equals(c.secret());
    double confidence = c.confidence() == null ? 0.8 : c.confidence();
    if (c.regex() != null && !c.regex().isEmpty()) {
      return new RegexDetector(c.name(), type, Pattern.compile(c.regex()), null, confidence, 50,
          c.maxSpan() == null ? 256 : c.maxSpan(), secret);
    }
    List<String> words = new ArrayList<>(c.words());
    words.sort(Comparator.comparingInt(String::length).reversed());
    StringBuilder alt = new StringBuilder();
    int longest = 0;
    for (String w : words) {
      if (alt.length() > 0) {
        alt.append('|');
      }
      alt.append(Pattern.quote(w));
      longest = Math.max(longest, w.length());
    }
    Pattern p = Pattern.compile("(?<![\\p{L}\\p{N}_])(?:" + alt + ")(?![\\p{L}\\p{N}_])",
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    return new RegexDetector(c.name(), type, p, null, confidence, 50, longest, secret);
  }
}

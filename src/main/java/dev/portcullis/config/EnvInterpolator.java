package dev.portcullis.config;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in configuration strings, so secrets
 * live in the environment rather than in the file. {@code $${} escapes a literal {@code ${}.
 */
final class EnvInterpolator {
  private static final Pattern REF = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final Function<String, String> env;

  EnvInterpolator(Function<String, String> env) {
    this.env = env;
  }

  static EnvInterpolator fromSystem() {
    Map<String, String> system = System.getenv();
    return new EnvInterpolator(system::get);
  }

  /** Returns the interpolated text, or adds a problem (prefixed by {@code field}) and returns null. */
  String interpolate(String field, String text, List<String> problems) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    Matcher m = REF.matcher(text);
    StringBuilder out = new StringBuilder();
    boolean ok = true;
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else {
        String value = env.apply(m.group(1));
        if (value == null || value.isEmpty()) {
          value = m.group(2);
        }
        if (value == null) {
          problems.add(field + ": environment variable " + m.group(1) + " is not set");
          ok = false;
          value = "";
        }
        replacement = value;
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return ok ? out.toString() : null;
  }
}

package dev.portcullis.limits;

import java.util.regex.Pattern;

/**
 * A shell-style glob over tool names as limits and prices are configured ({@code crm__delete*}):
 * {@code *} any run of characters, {@code ?} one character, everything else literal.
 */
final class NameGlob {
  private final Pattern pattern;

  NameGlob(String glob) {
    StringBuilder re = new StringBuilder();
    int literal = 0;
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      if (c == '*' || c == '?') {
        if (i > literal) {
          re.append(Pattern.quote(glob.substring(literal, i)));
        }
        re.append(c == '*' ? ".*" : ".");
        literal = i + 1;
      }
    }
    if (literal < glob.length()) {
      re.append(Pattern.quote(glob.substring(literal)));
    }
    this.pattern = Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  boolean matches(String name) {
    return name != null && pattern.matcher(name).matches();
  }
}

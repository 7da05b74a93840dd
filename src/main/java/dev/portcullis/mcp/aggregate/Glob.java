package dev.portcullis.mcp.aggregate;

import java.util.regex.Pattern;

/** Shell-style globs: {@code *} any run of characters, {@code ?} one character. */
final class Glob {
  private Glob() {}

  static Pattern compile(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder lit = new StringBuilder();
    for (char c : glob.toCharArray()) {
      if (c == '*' || c == '?') {
        if (lit.length() > 0) {
          re.append(Pattern.quote(lit.toString()));
          lit.setLength(0);
        }
        re.append(c == '*' ? ".*" : ".");
      } else {
        lit.append(c);
      }
    }
    if (lit.length() > 0) {
      re.append(Pattern.quote(lit.toString()));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }

  static boolean literal(String glob) {
    return glob.indexOf('*') < 0 && glob.indexOf('?') < 0;
  }

  /** A URI template ({@code file:///{path}}) as a pattern matching the URIs it expands to. */
  static Pattern template(String uriTemplate) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < uriTemplate.length()) {
      int open = uriTemplate.indexOf('{', i);
      if (open < 0) {
        re.append(Pattern.quote(uriTemplate.substring(i)));
        break;
      }
      int close = uriTemplate.indexOf('}', open);
      if (close < 0) {
        re.append(Pattern.quote(uriTemplate.substring(i)));
        break;
      }
      if (open > i) {
        re.append(Pattern.quote(uriTemplate.substring(i, open)));
      }
      char op = close > open + 1 ? uriTemplate.charAt(open + 1) : ' ';
      re.append(op == '+' || op == '#' || op == '/' || op == '?' || op == '&' ? ".*" : "[^/?#]+");
      i = close + 1;
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}

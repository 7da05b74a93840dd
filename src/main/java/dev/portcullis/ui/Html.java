package dev.portcullis.ui;

/** Escaping for server-rendered HTML: every value that is not markup we wrote goes through {@link #esc}. */
final class Html {
  private Html() {
  }

  /** The text as HTML text or attribute value (double- or single-quoted). Null is the empty text. */
  static String esc(Object value) {
    if (value == null) {
      return "";
    }
    String s = value.toString();
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** The text as one query-string value. */
  static String url(String value) {
    return java.net.URLEncoder.encode(value == null ? "" : value, java.nio.charset.StandardCharsets.UTF_8);
  }
}

package dev.portcullis.server;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;

/** Client-facing words for a JSON body refused by the parser's limits (no library internals). */
final class JsonLimits {
  private JsonLimits() {}

  static String message(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage()).toLowerCase(java.util.Locale.ROOT);
    if (m.contains("nesting depth")) {
      return "The JSON body is nested deeper than the gateway allows (server.max_json_depth).";
    }
    return "The JSON body exceeds a size limit of the gateway (a string, number or name is too long).";
  }
}

package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.protocol.McpMethods;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The 2026-07-28 request headers that mirror body fields ({@code Mcp-Method}, {@code Mcp-Name},
 * {@code Mcp-Param-*}): value encoding (the {@code =?base64?...?=} sentinel), the tool parameters
 * a schema marks with {@code x-mcp-header}, and the checks a server makes against the body.
 */
public final class McpHeaders {
  public static final String METHOD = "Mcp-Method";
  public static final String NAME = "Mcp-Name";
  public static final String PARAM_PREFIX = "mcp-param-";
  private static final String B64_START = "=?base64?";
  private static final String B64_END = "?=";

  private McpHeaders() {}

  /** The body value Mcp-Name mirrors for this method (params.name or params.uri), or null. */
  public static String nameOf(String method, JsonNode params) {
    return switch (method) {
      case McpMethods.TOOLS_CALL, McpMethods.PROMPTS_GET -> params.path("name").asText(null);
      case McpMethods.RESOURCES_READ -> params.path("uri").asText(null);
      default -> null;
    };
  }

  /** Encodes a value for a header: as is when plain visible ASCII, else base64 in the sentinel. */
  public static String encode(String v) {
    boolean plain = !v.isEmpty() && v.charAt(0) != ' ' && v.charAt(v.length() - 1) != ' '
        && !(v.startsWith(B64_START) && v.endsWith(B64_END));
    for (int i = 0; plain && i < v.length(); i++) {
      char c = v.charAt(i);
      plain = c >= 0x20 && c <= 0x7e;
    }
    return plain ? v : B64_START + Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)) + B64_END;
  }

  /** Decodes a header value; null when it is malformed (bad base64, control characters). */
  public static String decode(String h) {
    if (h == null) {
      return null;
    }
    if (h.startsWith(B64_START) && h.endsWith(B64_END) && h.length() >= B64_START.length() + B64_END.length()) {
      try {
        return new String(Base64.getDecoder().decode(h.substring(B64_START.length(), h.length() - B64_END.length())),
            StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    for (int i = 0; i < h.length(); i++) {
      char c = h.charAt(i);
      if ((c < 0x20 && c != '\t') || c > 0x7e) {
        return null;
      }
    }
    return h;
  }

  /** One parameter mirrored into a header: its property path and header name (without prefix). */
  public record Param(List<String> path, String header) {}

  /** The parameters a tool's inputSchema marks with x-mcp-header (only chains of "properties"). */
  public static List<Param> params(JsonNode inputSchema) {
    List<Param> out = new ArrayList<>();
    collect(inputSchema, new ArrayList<>(), out, 0);
    return out;
  }

  private static void collect(JsonNode schema, List<String> path, List<Param> out, int depth) {
    if (depth > 16 || !schema.path("properties").isObject()) {
      return;
    }
    schema.path("properties").fields().forEachRemaining(f -> {
      List<String> p = new ArrayList<>(path);
      p.add(f.getKey());
      JsonNode h = f.getValue().get("x-mcp-header");
      if (h != null && h.isTextual() && !h.asText().isEmpty()) {
        out.add(new Param(List.copyOf(p), h.asText()));
      }
      collect(f.getValue(), p, out, depth + 1);
    });
  }

  private static JsonNode at(JsonNode args, List<String> path) {
    JsonNode n = args;
    for (String k : path) {
      n = n.path(k);
    }
    return n;
  }

  private static String text(JsonNode v) {
    return v.isTextual() ? v.asText() : v.isBoolean() ? String.valueOf(v.asBoolean()) : v.isNumber() ? v.asText() : null;
  }

  /** The Mcp-Param-* headers a client sends for a tool call (names as the schema spells them). */
  public static Map<String, String> forCall(JsonNode inputSchema, JsonNode arguments) {
    Map<String, String> h = new LinkedHashMap<>();
    for (Param p : params(inputSchema)) {
      String v = text(at(arguments, p.path()));
      if (v != null) {
        h.put("Mcp-Param-" + p.header(), encode(v));
      }
    }
    return h;
  }

  /** Checks the Mcp-Param-* headers (lower-cased names) against a call; the problem, or null. */
  public static String checkCall(JsonNode inputSchema, JsonNode arguments, Map<String, String> headers) {
    for (Param p : params(inputSchema)) {
      JsonNode v = at(arguments, p.path());
      if (v.isMissingNode() || v.isNull()) {
        continue;
      }
      String raw = headers.get(PARAM_PREFIX + p.header().toLowerCase(java.util.Locale.ROOT));
      if (raw == null) {
        return "Header mismatch: Mcp-Param-" + p.header() + " is required";
      }
      String h = decode(raw);
      boolean same;
      if (h == null) {
        same = false;
      } else if (v.isNumber()) {
        try {
          same = new java.math.BigDecimal(h.trim()).compareTo(v.decimalValue()) == 0;
        } catch (NumberFormatException e) {
          same = false;
        }
      } else {
        same = h.equals(text(v));
      }
      if (!same) {
        return "Header mismatch: Mcp-Param-" + p.header() + " does not match the argument";
      }
    }
    return null;
  }
}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a tool call's arguments into the exact HTTP request of its operation: path templating
 * with percent-encoding (a value can never add a path segment or change the host), query
 * parameters in every OpenAPI style ({@code form}, {@code spaceDelimited}, {@code pipeDelimited},
 * {@code deepObject}, exploded or not), header and cookie parameters, and JSON, form, multipart or
 * text bodies. The base URL comes from configuration only.
 */
public final class RequestBuilder {
  private static final Set<String> FORBIDDEN_HEADERS = Set.of("host", "content-length", "transfer-encoding",
      "connection", "upgrade", "te", "trailer", "keep-alive", "proxy-authorization", "proxy-connection");

  private final String baseUrl;
  private final ObjectMapper json;

  /** @param baseUrl absolute http(s) URL; the operation's path is appended to it */
  public RequestBuilder(String baseUrl, ObjectMapper json) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.json = json;
  }

  /** Thrown for arguments that do not fit the operation; the message is for the model. */
  public static final class BadArguments extends Exception {
    private static final long serialVersionUID = 1L;

    public BadArguments(String message) {
      super(message, null, false, false);
    }
  }

  public HttpCall build(OperationTool op, JsonNode arguments) throws BadArguments {
    JsonNode args = arguments == null || arguments.isNull() || arguments.isMissingNode()
        ? SchemaConverter.F.objectNode() : arguments;
    if (!args.isObject()) {
      throw new BadArguments("arguments must be an object");
    }
    Set<String> known = new HashSet<>();
    op.params().forEach(p -> known.add(p.arg()));
    if (op.body() != null) {
      known.add(op.body().arg());
    }
    List<String> unknown = new ArrayList<>();
    args.fieldNames().forEachRemaining(n -> {
      if (!known.contains(n)) {
        unknown.add(n);
      }
    });
    if (!unknown.isEmpty()) {
      throw new BadArguments("unknown argument(s) " + unknown + "; expected some of " + known);
    }
    List<String> missing = new ArrayList<>();
    for (OperationTool.Param p : op.params()) {
      if (p.required() && absent(args.get(p.arg()))) {
        missing.add(p.arg());
      }
    }
    if (op.body() != null && op.body().required() && absent(args.get(op.body().arg()))) {
      missing.add(op.body().arg());
    }
    if (!missing.isEmpty()) {
      throw new BadArguments("missing required argument(s) " + missing);
    }

    String path = expandPath(op, args);
    StringBuilder query = new StringBuilder();
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    List<String> cookies = new ArrayList<>();
    for (OperationTool.Param p : op.params()) {
      JsonNode v = args.get(p.arg());
      if (absent(v)) {
        continue;
      }
      if (p.contentType() != null) {
        v = SchemaConverter.F.textNode(toJson(v));
      }
      switch (p.in()) {
        case "query" -> query(query, p, v);
        case "header" -> {
          if (FORBIDDEN_HEADERS.contains(p.name().toLowerCase(Locale.ROOT))) {
            throw new BadArguments("header '" + p.name() + "' cannot be set");
          }
          headers.add(Map.entry(p.name(), headerValue(p, simple(v, p.explode(), false))));
        }
        case "cookie" -> cookies.add(p.name() + "=" + headerValue(p, cookieValue(v, p.explode())));
        default -> { }
      }
    }
    if (!cookies.isEmpty()) {
      headers.add(Map.entry("Cookie", String.join("; ", cookies)));
    }
    headers.add(Map.entry("Accept", op.accept()));
    byte[] body = null;
    if (op.body() != null && !absent(args.get(op.body().arg()))) {
      JsonNode b = args.get(op.body().arg());
      String media = op.body().mediaType();
      String lower = media.toLowerCase(Locale.ROOT);
      if (ToolMapper.isJson(lower)) {
        body = toJson(b).getBytes(StandardCharsets.UTF_8);
        headers.add(Map.entry("Content-Type", media));
      } else if (lower.startsWith("application/x-www-form-urlencoded")) {
        body = form(b).getBytes(StandardCharsets.UTF_8);
        headers.add(Map.entry("Content-Type", "application/x-www-form-urlencoded"));
      } else if (lower.startsWith("multipart/form-data")) {
        String boundary = "portcullis-" + UUID.randomUUID();
        body = multipart(b, boundary);
        headers.add(Map.entry("Content-Type", "multipart/form-data; boundary=" + boundary));
      } else {
        body = (b.isTextual() ? b.textValue() : toJson(b)).getBytes(StandardCharsets.UTF_8);
        headers.add(Map.entry("Content-Type", media));
      }
    }
    String url = baseUrl + path;
    if (query.length() > 0) {
      url += (url.indexOf('?') >= 0 ? "&" : "?") + query;
    }
    return new HttpCall(op.method(), url, headers, body);
  }

  private static boolean absent(JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode();
  }

  private String expandPath(OperationTool op, JsonNode args) throws BadArguments {
    String template = op.path();
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int open = template.indexOf('{', i);
      if (open < 0) {
        out.append(literal(template.substring(i)));
        break;
      }
      int close = template.indexOf('}', open);
      if (close < 0) {
        out.append(literal(template.substring(i)));
        break;
      }
      out.append(literal(template.substring(i, open)));
      String name = template.substring(open + 1, close);
      OperationTool.Param p = op.params().stream().filter(x -> x.in().equals("path") && x.name().equals(name))
          .findFirst().orElse(null);
      if (p == null) {
        throw new BadArguments("the path parameter '" + name + "' is not described by the operation");
      }
      JsonNode v = args.get(p.arg());
      String value = switch (p.style()) {
        case "label" -> "." + (v.isArray() ? join(v, p.explode() ? "." : ",") : simple(v, p.explode(), true));
        case "matrix" -> matrix(p, v);
        default -> simple(v, p.explode(), true);
      };
      if (value.isEmpty()) {
        throw new BadArguments("path parameter '" + p.arg() + "' must not be empty");
      }
      out.append(value);
      i = close + 1;
    }
    String path = out.toString();
    if (dotSegment(path) && !dotSegment(template)) {
      // label style prefixes a dot and joins with dots, so "" or ["",""] would make /./ or /../
      throw new BadArguments("path parameters must not expand to a '.' or '..' path segment");
    }
    return path;
  }

  private static boolean dotSegment(String path) {
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return true;
      }
    }
    return false;
  }

  private String matrix(OperationTool.Param p, JsonNode v) {
    String n = encode(p.name(), false);
    if (v.isArray()) {
      if (p.explode()) {
        StringBuilder sb = new StringBuilder();
        v.forEach(x -> sb.append(';').append(n).append('=').append(segment(scalar(x))));
        return sb.toString();
      }
      return ";" + n + "=" + join(v, ",");
    }
    if (v.isObject()) {
      if (p.explode()) {
        StringBuilder sb = new StringBuilder();
        v.fields().forEachRemaining(e -> sb.append(';').append(encode(e.getKey(), false)).append('=')
            .append(segment(scalar(e.getValue()))));
        return sb.toString();
      }
      return ";" + n + "=" + simple(v, false, true);
    }
    return ";" + n + "=" + segment(scalar(v));
  }

  /** The simple style: a, a,b,c, k,v,k2,v2 or (exploded) k=v,k2=v2; each value encoded. */
  private String simple(JsonNode v, boolean explode, boolean path) {
    if (v.isArray()) {
      return join(v, ",", path);
    }
    if (v.isObject()) {
      List<String> parts = new ArrayList<>();
      v.fields().forEachRemaining(e -> {
        String k = path ? segment(e.getKey()) : e.getKey();
        String val = path ? segment(scalar(e.getValue())) : scalar(e.getValue());
        parts.add(explode ? k + "=" + val : k + "," + val);
      });
      return String.join(",", parts);
    }
    return path ? segment(scalar(v)) : scalar(v);
  }

  private String join(JsonNode array, String sep) {
    return join(array, sep, true);
  }

  private String join(JsonNode array, String sep, boolean encode) {
    List<String> parts = new ArrayList<>();
    array.forEach(x -> parts.add(encode ? segment(scalar(x)) : scalar(x)));
    return String.join(sep, parts);
  }

  /** The template's own text: characters not allowed in a path encoded, slashes and escapes kept. */
  private static String literal(String s) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c > 0x20 && c < 0x7f && "\"<>\\^`{|}?#[] ".indexOf(c) < 0) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  /** A path segment value: everything but unreserved characters encoded; "." and ".." too. */
  private static String segment(String s) {
    String e = encode(s, false);
    return e.equals(".") ? "%2E" : e.equals("..") ? "%2E%2E" : e;
  }

  private void query(StringBuilder q, OperationTool.Param p, JsonNode v) {
    String n = encode(p.name(), false);
    switch (p.style()) {
      case "deepObject" -> {
        if (v.isObject()) {
          deep(q, n, v);
        } else {
          add(q, n, encode(scalar(v), p.allowReserved()));
        }
      }
      case "spaceDelimited", "pipeDelimited" -> {
        if (v.isArray() && !p.explode()) {
          List<String> parts = new ArrayList<>();
          v.forEach(x -> parts.add(encode(scalar(x), p.allowReserved())));
          add(q, n, String.join(p.style().equals("spaceDelimited") ? "%20" : "%7C", parts));
        } else {
          formQuery(q, p, n, v);
        }
      }
      default -> formQuery(q, p, n, v);
    }
  }

  private void formQuery(StringBuilder q, OperationTool.Param p, String n, JsonNode v) {
    if (v.isArray()) {
      if (p.explode()) {
        v.forEach(x -> add(q, n, encode(scalar(x), p.allowReserved())));
      } else {
        List<String> parts = new ArrayList<>();
        v.forEach(x -> parts.add(encode(scalar(x), p.allowReserved())));
        add(q, n, String.join(",", parts));
      }
    } else if (v.isObject()) {
      if (p.explode()) {
        v.fields().forEachRemaining(e -> add(q, encode(e.getKey(), false), encode(scalar(e.getValue()),
            p.allowReserved())));
      } else {
        List<String> parts = new ArrayList<>();
        v.fields().forEachRemaining(e -> {
          parts.add(encode(e.getKey(), false));
          parts.add(encode(scalar(e.getValue()), p.allowReserved()));
        });
        add(q, n, String.join(",", parts));
      }
    } else {
      add(q, n, encode(scalar(v), p.allowReserved()));
    }
  }

  private void deep(StringBuilder q, String prefix, JsonNode v) {
    Iterator<Map.Entry<String, JsonNode>> it = v.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = prefix + "[" + encode(e.getKey(), false) + "]";
      if (e.getValue().isObject()) {
        deep(q, key, e.getValue());
      } else if (e.getValue().isArray()) {
        e.getValue().forEach(x -> add(q, key, encode(scalar(x), false)));
      } else {
        add(q, key, encode(scalar(e.getValue()), false));
      }
    }
  }

  private static void add(StringBuilder q, String name, String value) {
    if (q.length() > 0) {
      q.append('&');
    }
    q.append(name).append('=').append(value);
  }

  private String cookieValue(JsonNode v, boolean explode) {
    return encode(simple(v, explode, false), true).replace("%2C", ",").replace("%3D", "=");
  }

  private static String headerValue(OperationTool.Param p, String v) throws BadArguments {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        throw new BadArguments("argument '" + p.arg() + "' must not contain line breaks");
      }
    }
    return v;
  }

  /** A scalar's text (strings as they are, numbers and booleans as JSON, objects as JSON text). */
  private String scalar(JsonNode v) {
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isNull()) {
      return "";
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    return toJson(v);
  }

  private String toJson(JsonNode v) {
    try {
      return json.writeValueAsString(v);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private String form(JsonNode b) throws BadArguments {
    if (!b.isObject()) {
      throw new BadArguments("the body of a form must be an object of fields");
    }
    StringBuilder sb = new StringBuilder();
    b.fields().forEachRemaining(e -> {
      if (e.getValue().isArray()) {
        e.getValue().forEach(x -> add(sb, formEncode(e.getKey()), formEncode(scalar(x))));
      } else if (!e.getValue().isNull()) {
        add(sb, formEncode(e.getKey()), formEncode(scalar(e.getValue())));
      }
    });
    return sb.toString();
  }

  private byte[] multipart(JsonNode b, String boundary) throws BadArguments {
    if (!b.isObject()) {
      throw new BadArguments("the body of a multipart form must be an object of fields");
    }
    StringBuilder sb = new StringBuilder();
    b.fields().forEachRemaining(e -> {
      List<JsonNode> values = new ArrayList<>();
      if (e.getValue().isArray()) {
        e.getValue().forEach(values::add);
      } else {
        values.add(e.getValue());
      }
      for (JsonNode x : values) {
        String name = e.getKey().replace("\"", "%22").replace("\r", "").replace("\n", "");
        sb.append("--").append(boundary).append("\r\n")
            .append("Content-Disposition: form-data; name=\"").append(name).append("\"\r\n");
        if (x.isContainerNode()) {
          sb.append("Content-Type: application/json\r\n");
        }
        sb.append("\r\n").append(scalar(x)).append("\r\n");
      }
    });
    sb.append("--").append(boundary).append("--\r\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** RFC 3986 percent-encoding of UTF-8; unreserved characters (and, if allowed, reserved ones) kept. */
  static String encode(String s, boolean allowReserved) {
    StringBuilder sb = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
          || c == '~' || allowReserved && ":/?#[]@!$&'()*+,;=".indexOf(c) >= 0 && c != '&' && c != '#') {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return sb.toString();
  }

  /** application/x-www-form-urlencoded: as {@link #encode} but spaces as '+'. */
  static String formEncode(String s) {
    return encode(s, false).replace("%20", "+");
  }
}

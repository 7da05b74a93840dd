package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.aggregate.ToolNames;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps every operation of an OpenAPI 3 document to an {@link OperationTool}: the name from the
 * operationId (or method and path), sanitised and unique; the description from summary and
 * description; one input schema holding the path, query, header and cookie parameters and the
 * body; the output schema of the success response when it is JSON; annotations from the method.
 */
public final class ToolMapper {
  static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  /** Schema nodes inlined per tool before the rest is cut (keeps tools/list bounded). */
  static final int MAX_SCHEMA_NODES = 4000;
  static final int MAX_DESCRIPTION = 1024;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final Set<String> IGNORED_HEADERS = Set.of("accept", "content-type", "authorization");

  private ToolMapper() {}

  public static List<OperationTool> map(SpecLoader.Spec spec) {
    JsonNode doc = spec.document();
    List<OperationTool> tools = new ArrayList<>();
    Set<String> names = new HashSet<>();
    doc.path("paths").fields().forEachRemaining(pe -> {
      JsonNode item = SchemaConverter.deref(doc, pe.getValue());
      for (String m : METHODS) {
        JsonNode op = item.get(m);
        if (op != null && op.isObject()) {
          tools.add(operation(spec, pe.getKey(), m, item, op, names));
        }
      }
    });
    return tools;
  }

  private static OperationTool operation(SpecLoader.Spec spec, String path, String method, JsonNode item,
      JsonNode op, Set<String> names) {
    JsonNode doc = spec.document();
    SchemaConverter schemas = new SchemaConverter(doc, spec.openapi30(), MAX_SCHEMA_NODES);
    String operationId = op.path("operationId").asText("").isBlank() ? null : op.get("operationId").asText();
    String name = unique(toolName(operationId, method, path), names);

    // Parameters: the path item's, overridden by the operation's of the same name and location.
    Map<String, JsonNode> byKey = new LinkedHashMap<>();
    for (JsonNode list : new JsonNode[] {item.path("parameters"), op.path("parameters")}) {
      for (JsonNode p : list) {
        JsonNode param = SchemaConverter.deref(doc, p);
        if (param.path("name").isTextual() && param.path("in").isTextual()) {
          byKey.put(param.get("in").asText() + "\u0000" + param.get("name").asText(), param);
        }
      }
    }
    ObjectNode input = F.objectNode().put("type", "object");
    ObjectNode props = input.putObject("properties");
    ArrayNode required = F.arrayNode();
    List<OperationTool.Param> params = new ArrayList<>();
    Set<String> args = new HashSet<>();
    for (JsonNode p : byKey.values()) {
      String in = p.get("in").asText();
      String pname = p.get("name").asText();
      if (in.equals("header") && IGNORED_HEADERS.contains(pname.toLowerCase(Locale.ROOT))) {
        continue; // OpenAPI: these are set from the media types and the security scheme
      }
      if (!Set.of("path", "query", "header", "cookie").contains(in)) {
        continue;
      }
      String arg = argName(pname, in, args);
      boolean req = in.equals("path") || p.path("required").asBoolean(false);
      String style = p.path("style").asText(defaultStyle(in));
      boolean explode = p.has("explode") ? p.get("explode").asBoolean() : style.equals("form");
      String contentType = null;
      JsonNode schema = p.get("schema");
      if (schema == null && p.path("content").isObject() && p.get("content").size() > 0) {
        Map.Entry<String, JsonNode> c = p.get("content").fields().next();
        contentType = c.getKey();
        schema = c.getValue().get("schema");
      }
      ObjectNode s = schemas.convert(schema, false);
      String pdesc = p.path("description").asText("");
      if (!pdesc.isBlank() && !s.has("description")) {
        s.put("description", pdesc);
      }
      if (p.path("deprecated").asBoolean(false)) {
        s.put("deprecated", true);
      }
      props.set(arg, s);
      if (req) {
        required.add(arg);
      }
      params.add(new OperationTool.Param(pname, in, arg, req, style, explode,
          p.path("allowReserved").asBoolean(false), contentType));
    }

    OperationTool.Body body = null;
    JsonNode rb = SchemaConverter.deref(doc, op.path("requestBody"));
    if (rb.path("content").isObject() && rb.get("content").size() > 0) {
      String media = pickRequestMedia(rb.get("content"));
      String arg = args.contains("body") ? argName("request_body", "body", args) : argName("body", "body", args);
      ObjectNode s = schemas.convert(rb.get("content").get(media).get("schema"), false);
      String bdesc = rb.path("description").asText("");
      if (!bdesc.isBlank() && !s.has("description")) {
        s.put("description", bdesc);
      }
      if (!s.has("description")) {
        s.put("description", "The request body (" + media + ")");
      }
      props.set(arg, s);
      boolean req = rb.path("required").asBoolean(false);
      if (req) {
        required.add(arg);
      }
      body = new OperationTool.Body(arg, media, req);
    }
    if (!required.isEmpty()) {
      input.set("required", required);
    }
    input.put("additionalProperties", false);

    ObjectNode def = F.objectNode().put("name", name);
    String summary = op.path("summary").asText("").strip();
    String description = op.path("description").asText("").strip();
    StringBuilder d = new StringBuilder();
    if (!summary.isEmpty()) {
      d.append(summary);
    }
    if (!description.isEmpty() && !description.equals(summary)) {
      d.append(d.length() > 0 ? "\n\n" : "").append(description);
    }
    if (d.length() == 0) {
      d.append(method.toUpperCase(Locale.ROOT)).append(' ').append(path);
    }
    if (op.path("deprecated").asBoolean(false)) {
      d.insert(0, "(deprecated) ");
    }
    def.put("description", d.length() > MAX_DESCRIPTION ? d.substring(0, MAX_DESCRIPTION - 1) + "…" : d.toString());
    def.set("inputSchema", input);

    Response success = successResponse(doc, op.path("responses"));
    boolean wraps = false;
    String accept = success.mediaType == null ? "application/json, */*;q=0.5" : success.mediaType;
    if (success.mediaType != null && isJson(success.mediaType) && success.schema != null) {
      ObjectNode out = schemas.convert(success.schema, true);
      if (!"object".equals(out.path("type").asText()) || out.has("oneOf") || out.has("anyOf")) {
        wraps = true;
        ObjectNode w = F.objectNode().put("type", "object");
        w.putObject("properties").set("result", out);
        out = w;
      } else {
        out.remove("additionalProperties");
      }
      def.set("outputSchema", out);
    }
    if (schemas.exhausted()) {
      def.put("description", def.get("description").asText() + "\n\n(Parts of its schemas were cut for size.)");
    }
    ObjectNode ann = def.putObject("annotations");
    if (!summary.isEmpty()) {
      ann.put("title", summary.length() > 120 ? summary.substring(0, 119) + "…" : summary);
    }
    String upper = method.toUpperCase(Locale.ROOT);
    boolean safe = upper.equals("GET") || upper.equals("HEAD") || upper.equals("OPTIONS");
    ann.put("readOnlyHint", safe);
    if (!safe) {
      ann.put("destructiveHint", upper.equals("DELETE") || upper.equals("PUT") || upper.equals("PATCH"));
    }
    ann.put("idempotentHint", safe || upper.equals("PUT") || upper.equals("DELETE"));
    ann.put("openWorldHint", true);

    List<String> tags = new ArrayList<>();
    op.path("tags").forEach(t -> tags.add(t.asText()));
    return new OperationTool(name, operationId, upper, path, List.copyOf(tags), def, List.copyOf(params), body,
        accept, wraps);
  }

  private record Response(String mediaType, JsonNode schema) {}

  /** The first success response (200, 201, ..., 2XX, default) and its preferred media type. */
  private static Response successResponse(JsonNode doc, JsonNode responses) {
    List<String> order = new ArrayList<>();
    responses.fieldNames().forEachRemaining(code -> {
      if (code.startsWith("2")) {
        order.add(code);
      }
    });
    order.sort(String::compareTo); // 200 < 201 < ... < 2XX
    if (responses.has("default")) {
      order.add("default");
    }
    for (String code : order) {
      JsonNode r = SchemaConverter.deref(doc, responses.get(code));
      JsonNode content = r.path("content");
      if (content.isObject() && content.size() > 0) {
        String media = null;
        for (var it = content.fieldNames(); it.hasNext();) {
          String mt = it.next();
          if (isJson(mt)) {
            media = mt;
            break;
          }
          if (media == null) {
            media = mt;
          }
        }
        return new Response(media, content.get(media).get("schema"));
      }
      if (!code.equals("default")) {
        return new Response(null, null); // a success without a body
      }
    }
    return new Response(null, null);
  }

  static boolean isJson(String mediaType) {
    String m = mediaType.toLowerCase(Locale.ROOT);
    int semi = m.indexOf(';');
    if (semi >= 0) {
      m = m.substring(0, semi).trim();
    }
    return m.equals("application/json") || m.endsWith("+json");
  }

  private static String pickRequestMedia(JsonNode content) {
    String first = null;
    String form = null;
    String multipart = null;
    String text = null;
    for (var it = content.fieldNames(); it.hasNext();) {
      String mt = it.next();
      String l = mt.toLowerCase(Locale.ROOT);
      if (first == null) {
        first = mt;
      }
      if (isJson(l)) {
        return mt;
      }
      if (l.startsWith("application/x-www-form-urlencoded") && form == null) {
        form = mt;
      } else if (l.startsWith("multipart/form-data") && multipart == null) {
        multipart = mt;
      } else if (l.startsWith("text/") && text == null) {
        text = mt;
      }
    }
    return form != null ? form : multipart != null ? multipart : text != null ? text : first;
  }

  private static String defaultStyle(String in) {
    return in.equals("query") || in.equals("cookie") ? "form" : "simple";
  }

  /** An argument name clients accept (A-Z a-z 0-9 _ . -, at most 64), unique within the tool. */
  private static String argName(String name, String in, Set<String> taken) {
    String base = name.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (base.isEmpty()) {
      base = in;
    }
    base = base.length() > 64 ? base.substring(0, 64) : base;
    String n = base;
    if (taken.contains(n)) {
      n = (in + "_" + base);
      n = n.length() > 64 ? n.substring(0, 64) : n;
    }
    for (int i = 2; taken.contains(n); i++) {
      String suffix = "_" + i;
      n = (base.length() + suffix.length() > 64 ? base.substring(0, 64 - suffix.length()) : base) + suffix;
    }
    taken.add(n);
    return n;
  }

  /** The tool name from the operationId, else from method and path; A-Z a-z 0-9 _ - only. */
  static String toolName(String operationId, String method, String path) {
    String raw = operationId != null ? operationId : method + "_" + path;
    String n = raw.replaceAll("[^A-Za-z0-9_-]+", "_").replaceAll("_+", "_").replaceAll("^_|_$", "");
    if (n.isEmpty()) {
      n = method + "_root";
    }
    return ToolNames.fit(n);
  }

  private static String unique(String name, Set<String> taken) {
    String n = name;
    for (int i = 2; !taken.add(n); i++) {
      String suffix = "_" + i;
      n = (name.length() + suffix.length() > ToolNames.MAX_LENGTH
          ? name.substring(0, ToolNames.MAX_LENGTH - suffix.length()) : name) + suffix;
    }
    return n;
  }
}

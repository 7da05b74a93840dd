package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Turns an OpenAPI schema into a self-contained JSON Schema (2020-12): {@code $ref}s inlined
 * (recursion cut with a note), OpenAPI 3.0 dialect translated ({@code nullable}, boolean
 * {@code exclusiveMinimum}, {@code example}), OpenAPI-only keywords dropped, and the size bounded
 * (a budget of schema nodes; what does not fit becomes an open schema with a note).
 *
 * <p>Output schemas are made lenient (no {@code required}, {@code enum}, {@code format}): a
 * client validates responses against them, and real APIs return more than they document.
 */
final class SchemaConverter {
  static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 24;
  private static final Set<String> SCHEMA_MAPS = Set.of("properties", "patternProperties", "$defs", "definitions",
      "dependentSchemas");
  private static final Set<String> SCHEMA_ONE = Set.of("additionalProperties", "not", "contains", "propertyNames",
      "if", "then", "else", "unevaluatedProperties", "unevaluatedItems", "additionalItems", "contentSchema");
  private static final Set<String> SCHEMA_LISTS = Set.of("allOf", "anyOf", "oneOf", "prefixItems");
  private static final Set<String> DROPPED = Set.of("discriminator", "xml", "externalDocs", "$schema", "$id",
      "$anchor", "$dynamicAnchor", "$dynamicRef", "$comment", "exampleSetFlag", "types", "jsonSchema");
  private static final Set<String> LENIENT_DROPPED = Set.of("required", "enum", "format", "const", "pattern",
      "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems",
      "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf");

  private final JsonNode document;
  private final boolean openapi30;
  private int budget;

  SchemaConverter(JsonNode document, boolean openapi30, int maxNodes) {
    this.document = document;
    this.openapi30 = openapi30;
    this.budget = maxNodes;
  }

  boolean exhausted() {
    return budget <= 0;
  }

  /** The converted schema (an object), or an open schema when there is none. */
  ObjectNode convert(JsonNode schema, boolean output) {
    JsonNode r = schema == null || schema.isMissingNode() || schema.isNull()
        ? F.objectNode() : conv(schema, new ArrayDeque<>(), 0, output);
    return r.isObject() ? (ObjectNode) r : F.objectNode();
  }

  /** Follows a local JSON pointer reference ({@code #/components/...}); null when it cannot. */
  static JsonNode resolveRef(JsonNode document, String ref) {
    if (ref == null || !ref.startsWith("#")) {
      return null;
    }
    String pointer = ref.substring(1);
    try {
      pointer = java.net.URLDecoder.decode(pointer.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
      JsonNode n = document.at(pointer);
      return n.isMissingNode() ? null : n;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The node itself, or what its {@code $ref} chain points to (parameters, bodies, responses). */
  static JsonNode deref(JsonNode document, JsonNode node) {
    JsonNode n = node;
    for (int i = 0; i < 16 && n != null && n.isObject() && n.path("$ref").isTextual(); i++) {
      n = resolveRef(document, n.get("$ref").asText());
    }
    return n == null ? JsonNodeFactory.instance.missingNode() : n;
  }

  private JsonNode conv(JsonNode s, Deque<String> refs, int depth, boolean output) {
    if (s.isBoolean()) {
      return s;
    }
    if (!s.isObject()) {
      return F.objectNode();
    }
    if (--budget < 0 || depth > MAX_DEPTH) {
      return F.objectNode().put("description", "(schema cut here: too large or too deep)");
    }
    if (s.path("$ref").isTextual()) {
      String ref = s.get("$ref").asText();
      String name = ref.substring(ref.lastIndexOf('/') + 1);
      if (refs.contains(ref)) {
        return F.objectNode().put("description", "(recursive: another " + name + ")");
      }
      JsonNode target = resolveRef(document, ref);
      if (target == null) {
        return F.objectNode().put("description", "(unresolved reference " + name + ")");
      }
      refs.push(ref);
      JsonNode r = conv(target, refs, depth + 1, output);
      refs.pop();
      if (r.isObject() && s.size() > 1) { // 3.1: keywords next to $ref apply too
        ObjectNode merged = ((ObjectNode) r).deepCopy();
        ObjectNode siblings = s.deepCopy();
        siblings.remove("$ref");
        JsonNode rest = conv(siblings, refs, depth + 1, output);
        rest.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        return merged;
      }
      return r;
    }
    ObjectNode out = F.objectNode();
    Iterator<Map.Entry<String, JsonNode>> it = s.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      if (DROPPED.contains(k) || k.startsWith("x-") || output && LENIENT_DROPPED.contains(k)) {
        continue;
      }
      if (SCHEMA_MAPS.contains(k) && v.isObject()) {
        ObjectNode m = out.putObject(k);
        v.fields().forEachRemaining(p -> m.set(p.getKey(), conv(p.getValue(), refs, depth + 1, output)));
      } else if (SCHEMA_ONE.contains(k)) {
        out.set(k, v.isObject() || v.isBoolean() ? conv(v, refs, depth + 1, output) : v);
      } else if (SCHEMA_LISTS.contains(k) && v.isArray()) {
        ArrayNode a = out.putArray(k);
        v.forEach(x -> a.add(conv(x, refs, depth + 1, output)));
      } else if (k.equals("items")) {
        if (v.isArray()) {
          ArrayNode a = out.putArray("prefixItems");
          v.forEach(x -> a.add(conv(x, refs, depth + 1, output)));
        } else {
          out.set("items", conv(v, refs, depth + 1, output));
        }
      } else if (k.equals("example")) {
        if (!s.has("examples")) {
          out.putArray("examples").add(v);
        }
      } else if (k.equals("nullable")) {
        continue; // applied below
      } else if ((k.equals("exclusiveMinimum") || k.equals("exclusiveMaximum")) && v.isBoolean()) {
        continue; // applied below
      } else {
        out.set(k, v.deepCopy());
      }
    }
    if (openapi30 || s.has("nullable")) {
      translate30(s, out, output);
    }
    return out;
  }

  private static void translate30(JsonNode s, ObjectNode out, boolean output) {
    if (s.path("nullable").asBoolean(false)) {
      JsonNode type = out.get("type");
      if (type != null && type.isTextual()) {
        out.putArray("type").add(type.asText()).add("null");
      }
      if (out.get("enum") instanceof ArrayNode en) {
        en.addNull();
      }
    }
    if (output) {
      return;
    }
    for (String[] pair : new String[][] {{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}}) {
      if (s.path(pair[0]).asBoolean(false) && out.has(pair[1])) {
        out.set(pair[0], out.remove(pair[1]));
      }
    }
  }
}

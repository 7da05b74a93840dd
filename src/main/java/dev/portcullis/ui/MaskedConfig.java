package dev.portcullis.ui;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A configuration as the console shows it: the same tree the YAML was read into, with every
 * secret replaced by a mask. Values came through {@code ${ENV}} interpolation, so they are the
 * real secrets; a field is masked by its name (key, api_key, *_secret, ...), every value of a
 * {@code headers} or {@code env} map is masked, and passwords inside URLs are cut out.
 */
final class MaskedConfig {
  static final String MASK = "••••••";
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
  private static final Set<String> SECRET_NAMES = Set.of("key", "api_key", "password", "secret", "token",
      "authorization", "client_secret", "read_only_keys", "credentials", "private_key");
  private static final List<String> SECRET_SUFFIXES = List.of("_key", "_secret", "_password", "_token", "_keys");
  /** Fields under these parents named {@code keys} hold secrets (elsewhere, {@code keys} are key ids). */
  private static final Set<String> KEY_LIST_PARENTS = Set.of("clients", "admin");
  /** Fields whose name alone says nothing, secret under this parent (an OpenAPI server's auth value). */
  private static final Map<String, Set<String>> SECRET_UNDER = Map.of("auth", Set.of("value"));
  /** Maps whose every value may be a credential: HTTP headers, a child process's environment. */
  private static final Set<String> SECRET_MAPS = Set.of("headers", "env", "environment");
  private static final Pattern URL_PASSWORD = Pattern.compile("(://[^/@\\s:]*):[^/@\\s]*@");
  private static final Pattern PARAM_SECRET = Pattern.compile(
      "(?i)\\b(password|pwd|secret|token|api[_-]?key|access[_-]?key)=[^&;\\s]*");

  private MaskedConfig() {
  }

  /** The configuration object (a record tree) as JSON with its secrets masked. */
  static JsonNode of(Object config) {
    JsonNode tree = JSON.valueToTree(config);
    mask(tree, "");
    return tree;
  }

  private static void mask(JsonNode node, String parent) {
    if (node instanceof ObjectNode o) {
      Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> f = fields.next();
        String name = f.getKey();
        JsonNode v = f.getValue();
        if (secret(name, parent) || SECRET_MAPS.contains(parent)) {
          f.setValue(masked(v));
        } else if (v.isTextual()) {
          f.setValue(TextNode.valueOf(unpassworded(v.asText())));
        } else {
          mask(v, name);
        }
      }
    } else if (node instanceof ArrayNode a) {
      for (int i = 0; i < a.size(); i++) {
        if (a.get(i).isTextual()) {
          a.set(i, TextNode.valueOf(unpassworded(a.get(i).asText())));
        } else {
          mask(a.get(i), parent);
        }
      }
    }
  }

  private static boolean secret(String name, String parent) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    if (SECRET_NAMES.contains(n) || ("keys".equals(n) && KEY_LIST_PARENTS.contains(parent))
        || SECRET_UNDER.getOrDefault(parent, Set.of()).contains(n)) {
      return true;
    }
    for (String s : SECRET_SUFFIXES) {
      if (n.endsWith(s)) {
        return true;
      }
    }
    return false;
  }

  /** Text and lists of text become masks; a nested object keeps its shape and is masked inside. */
  private static JsonNode masked(JsonNode v) {
    if (v.isTextual()) {
      return TextNode.valueOf(MASK);
    }
    if (v.isArray()) {
      ArrayNode out = JSON.createArrayNode();
      v.forEach(x -> out.add(x.isContainerNode() ? masked(x) : TextNode.valueOf(MASK)));
      return out;
    }
    if (v.isObject()) {
      ObjectNode out = JSON.createObjectNode();
      v.fields().forEachRemaining(f -> out.set(f.getKey(), masked(f.getValue())));
      return out;
    }
    return v; // numbers and booleans are settings, not secrets
  }

  /** A URL or connection string without the password in its user part or its query. */
  static String unpassworded(String s) {
    String out = URL_PASSWORD.matcher(s).replaceAll("$1:" + MASK + "@");
    return PARAM_SECRET.matcher(out).replaceAll("$1=" + MASK);
  }
}

package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * The one place that makes every path-valued setting absolute, resolved against the directory of
 * the configuration file (not the directory the gateway happens to be started from), so a config
 * means the same wherever it is run from. Runs on the YAML tree after {@code ${ENV}} interpolation
 * and before binding, so every component downstream sees absolute paths only.
 *
 * <p>Path-valued settings: {@code policy.file}; a {@code jdbc:sqlite:FILE} {@code store.url};
 * {@code mcp.pins_file}; per MCP server {@code spec} (when not a URL), {@code cwd} (stdio; default
 * the config's directory), {@code command} when it names a file by a relative path ({@code ./srv},
 * resolved against the server's cwd; a bare name is looked up on PATH) and {@code auth.value} when
 * {@code file:PATH}; {@code audit.file.path}; and the {@code file:PATH} forms of
 * {@code audit.chain_key}, {@code audit.previous_chain_keys}, {@code audit.checkpoints.signing_key}
 * and {@code audit.checkpoints.previous_public_keys}.
 */
final class ConfigPaths {
  static final String FILE_PREFIX = "file:";
  static final String SQLITE_PREFIX = "jdbc:sqlite:";

  private final Path base;

  /** @param base the directory of the configuration file */
  ConfigPaths(Path base) {
    this.base = base.toAbsolutePath().normalize();
  }

  /** Rewrites the path-valued settings of the whole tree in place. */
  void resolve(JsonNode root) {
    plain(root.path("policy"), "file", base);
    plain(root.path("mcp"), "pins_file", base);
    plain(root.path("audit").path("file"), "path", base);
    sqlite(root.path("store"));
    JsonNode audit = root.path("audit");
    fileRef(audit, "chain_key");
    fileRefs(audit.path("previous_chain_keys"));
    fileRef(audit.path("checkpoints"), "signing_key");
    fileRefs(audit.path("checkpoints").path("previous_public_keys"));
    Iterator<Map.Entry<String, JsonNode>> servers = root.path("mcp").path("servers").fields();
    while (servers.hasNext()) {
      JsonNode s = servers.next().getValue();
      if (!(s instanceof ObjectNode server)) {
        continue;
      }
      if ("stdio".equals(server.path("type").asText(null))) {
        stdio(server);
      }
      if (!isUrl(server.path("spec").asText(""))) {
        plain(server, "spec", base);
      }
      fileRef(server.path("auth"), "value");
    }
  }

  /** A stdio server runs in {@code cwd} (default: the config's directory); {@code ./cmd} is found there. */
  private void stdio(ObjectNode server) {
    if (!server.path("cwd").isTextual()) {
      server.put("cwd", base.toString());
    }
    plain(server, "cwd", base);
    String command = server.path("command").asText("");
    if (command.contains("/")) {
      Path cwd = Path.of(server.path("cwd").textValue());
      plain(server, "command", cwd);
    }
  }

  private static void plain(JsonNode parent, String field, Path against) {
    String value = text(parent, field);
    if (value != null && !value.isBlank()) {
      ((ObjectNode) parent).set(field, TextNode.valueOf(absolute(value, against)));
    }
  }

  /** {@code jdbc:sqlite:FILE[?params]}; in-memory and URI-form ({@code file:}) databases stay as they are. */
  private void sqlite(JsonNode store) {
    String url = text(store, "url");
    if (url == null || !url.startsWith(SQLITE_PREFIX)) {
      return;
    }
    String rest = url.substring(SQLITE_PREFIX.length());
    int q = rest.indexOf('?');
    String file = q >= 0 ? rest.substring(0, q) : rest;
    if (file.isEmpty() || file.startsWith(":memory:") || file.startsWith(FILE_PREFIX)) {
      return;
    }
    ((ObjectNode) store).put("url", SQLITE_PREFIX + absolute(file, base) + (q >= 0 ? rest.substring(q) : ""));
  }

  private void fileRef(JsonNode parent, String field) {
    String value = text(parent, field);
    if (value != null && value.startsWith(FILE_PREFIX) && value.length() > FILE_PREFIX.length()) {
      ((ObjectNode) parent).put(field, FILE_PREFIX + absolute(value.substring(FILE_PREFIX.length()), base));
    }
  }

  private void fileRefs(JsonNode list) {
    if (list instanceof ArrayNode arr) {
      for (int i = 0; i < arr.size(); i++) {
        String v = arr.get(i).isTextual() ? arr.get(i).textValue() : null;
        if (v != null && v.startsWith(FILE_PREFIX) && v.length() > FILE_PREFIX.length()) {
          arr.set(i, TextNode.valueOf(FILE_PREFIX + absolute(v.substring(FILE_PREFIX.length()), base)));
        }
      }
    }
  }

  private static String text(JsonNode parent, String field) {
    return parent instanceof ObjectNode && parent.path(field).isTextual() ? parent.path(field).textValue() : null;
  }

  private static boolean isUrl(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    return v.startsWith("http://") || v.startsWith("https://") || v.startsWith(FILE_PREFIX);
  }

  /** A path that is not valid on this system is left alone: binding and validation report it in words. */
  private static String absolute(String value, Path against) {
    try {
      return against.resolve(value).normalize().toString();
    } catch (InvalidPathException e) {
      return value;
    }
  }
}

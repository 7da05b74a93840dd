package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code portcullis mcp import FILE}: turns a Claude-Desktop-style {@code {"mcpServers": {...}}}
 * file (also used by Cursor, VS Code and others) into the gateway's {@code mcp.servers} YAML:
 * command/args/env become stdio servers, url/headers HTTP ones (Streamable HTTP, or the legacy
 * HTTP+SSE transport when the entry says {@code "type": "sse"}).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Convert a Claude Desktop style mcpServers JSON file into mcp.servers YAML.")
public final class ImportServersCommand implements Callable<Integer> {
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSON file, e.g. claude_desktop_config.json.")
  Path file;

  @Option(names = {"-o", "--output"}, description = "Write the YAML here instead of standard output.")
  Path output;

  @Option(names = "--env-placeholders",
      description = "Replace literal env and header values with $${SERVER_NAME} references (keep secrets out of the "
          + "file).")
  boolean placeholders;

  @Override
  public Integer call() {
    ObjectMapper json = new ObjectMapper();
    JsonNode root;
    try {
      root = json.readTree(file.toFile());
    } catch (IOException e) {
      System.err.println(file + ": not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JacksonException j ? j.getOriginalMessage() : e.getMessage()));
      return 2;
    }
    JsonNode servers = root == null ? null : root.get("mcpServers");
    if (servers == null) {
      servers = root == null ? null : root.path("mcp").get("servers"); // VS Code's "mcp": {"servers": ...}
    }
    if (servers == null || !servers.isObject()) {
      System.err.println(file + ": no \"mcpServers\" object found");
      return 2;
    }
    ObjectNode out = json.createObjectNode();
    ObjectNode target = out.putObject("mcp").putObject("servers");
    int problems = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = servers.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = NAME.matcher(e.getKey()).matches() ? e.getKey()
          : e.getKey().replaceAll("[^A-Za-z0-9_.-]", "_");
      if (name.length() > 64) {
        name = name.substring(0, 64);
      }
      if (!name.equals(e.getKey())) {
        System.err.println("mcpServers." + e.getKey() + ": renamed to '" + name + "' (allowed: A-Z a-z 0-9 _ . -)");
      }
      JsonNode s = e.getValue();
      if (s.path("disabled").asBoolean(false)) {
        System.err.println("mcpServers." + e.getKey() + ": disabled, skipped");
        continue;
      }
      ObjectNode t = json.createObjectNode();
      String type = s.path("type").asText(s.path("transport").asText("")).toLowerCase(Locale.ROOT);
      if (s.hasNonNull("command")) {
        t.put("type", "stdio").put("command", s.get("command").asText());
        if (s.path("args").isArray() && !s.path("args").isEmpty()) {
          ArrayNode args = t.putArray("args");
          s.path("args").forEach(a -> args.add(a.asText()));
        }
        copy(s.path("env"), t, "env", name);
      } else if (s.hasNonNull("url") || s.hasNonNull("serverUrl")) {
        t.put("type", type.equals("sse") ? "sse" : "http")
            .put("url", s.hasNonNull("url") ? s.get("url").asText() : s.get("serverUrl").asText());
        copy(s.path("headers"), t, "headers", name);
      } else {
        System.err.println("mcpServers." + e.getKey() + ": has neither command nor url, skipped");
        problems++;
        continue;
      }
      target.set(name, t);
    }
    String yaml;
    try {
      ObjectMapper y = new ObjectMapper(YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build());
      yaml = y.writeValueAsString(out);
      if (output != null) {
        Files.writeString(output, yaml, StandardCharsets.UTF_8);
        System.err.println("wrote " + target.size() + " MCP server(s) to " + output);
      } else {
        System.out.print(yaml);
      }
    } catch (IOException e) {
      System.err.println("cannot write the YAML: " + e.getMessage());
      return 1;
    }
    return problems == 0 ? 0 : 1;
  }

  private void copy(JsonNode from, ObjectNode to, String field, String server) {
    if (!from.isObject() || from.isEmpty()) {
      return;
    }
    ObjectNode m = to.putObject(field);
    from.fields().forEachRemaining(f -> {
      String v = f.getValue().asText();
      if (placeholders && !v.startsWith("${")) {
        String var = (server + "_" + f.getKey()).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
        m.put(f.getKey(), "${" + var + "}");
        System.err.println(server + "." + field + "." + f.getKey() + ": now ${" + var + "}; set it in the environment");
      } else {
        m.put(f.getKey(), v);
      }
    });
  }
}

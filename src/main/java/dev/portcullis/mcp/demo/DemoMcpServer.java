package dev.portcullis.mcp.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import java.util.List;
import java.util.function.Consumer;

/**
 * The built-in demo MCP server: a few harmless tools (echo, add, countdown with progress), a
 * resource, a resource template and a prompt with completions. It runs inside the gateway as the
 * {@code builtin} upstream, or on stdio ({@link DemoStdioMain}) as an ordinary child process.
 */
public class DemoMcpServer {
  private static final List<String> NAMES = List.of("Ada", "Alan", "Barbara", "Grace", "Linus");

  /** Handles one JSON-RPC message; answers (and notifications) go to {@code out}. */
  public void handle(JsonNode msg, Consumer<JsonNode> out) {
    JsonRpc.Kind kind = JsonRpc.kind(msg);
    if (kind != JsonRpc.Kind.REQUEST) {
      return; // notifications and responses need no answer here
    }
    JsonNode id = msg.get("id");
    String method = msg.get("method").asText();
    ObjectNode params = JsonRpc.params(msg);
    try {
      JsonNode result = answer(method, params, out);
      if (result != null) {
        out.accept(JsonRpc.result(id, result));
      }
    } catch (McpError e) {
      out.accept(JsonRpc.error(id, e));
    }
  }

  /** The result of a request, or null when the answer is sent later (or never). */
  protected JsonNode answer(String method, ObjectNode params, Consumer<JsonNode> out) {
    return switch (method) {
      case McpMethods.INITIALIZE -> initialize(params);
      case McpMethods.PING -> obj();
      case McpMethods.TOOLS_LIST -> tools();
      case McpMethods.TOOLS_CALL -> call(params, out);
      case McpMethods.RESOURCES_LIST -> resources();
      case McpMethods.RESOURCES_TEMPLATES_LIST -> templates();
      case McpMethods.RESOURCES_READ -> read(params.path("uri").asText());
      case McpMethods.PROMPTS_LIST -> prompts();
      case McpMethods.PROMPTS_GET -> prompt(params);
      case McpMethods.COMPLETION_COMPLETE -> complete(params);
      case McpMethods.LOGGING_SET_LEVEL, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE -> obj();
      default -> throw new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method);
    };
  }

  private static ObjectNode obj() {
    return JsonRpc.F.objectNode();
  }

  private static ObjectNode initialize(ObjectNode params) {
    ObjectNode r = obj().put("protocolVersion", ProtocolVersions.negotiate(params.path("protocolVersion").asText()));
    ObjectNode caps = r.putObject("capabilities");
    caps.putObject("tools").put("listChanged", false);
    caps.putObject("resources").put("subscribe", false).put("listChanged", false);
    caps.putObject("prompts").put("listChanged", false);
    caps.putObject("completions");
    r.putObject("serverInfo").put("name", "portcullis-demo").put("version", "0.1.0");
    r.put("instructions", "A harmless demo server: echo, add, countdown, a readme and a greeting prompt.");
    return r;
  }

  protected ArrayNode toolList() {
    ArrayNode tools = JsonRpc.F.arrayNode();
    tools.add(tool("echo", "Echoes the given text back.", schema("text", "string", "Text to echo")));
    ObjectNode add = schema("a", "number", "First addend");
    ((ObjectNode) add.get("properties")).putObject("b").put("type", "number").put("description", "Second addend");
    ((ArrayNode) add.get("required")).add("b");
    tools.add(tool("add", "Adds two numbers.", add));
    tools.add(tool("countdown", "Counts down from n to zero, reporting progress at each step.",
        schema("n", "integer", "Where to start (at most 10)")));
    return tools;
  }

  private JsonNode tools() {
    ObjectNode r = obj();
    r.set("tools", toolList());
    return r;
  }

  private static ObjectNode tool(String name, String description, ObjectNode schema) {
    ObjectNode t = obj().put("name", name).put("description", description);
    t.set("inputSchema", schema);
    return t;
  }

  private static ObjectNode schema(String prop, String type, String description) {
    ObjectNode s = obj().put("type", "object");
    s.putObject("properties").putObject(prop).put("type", type).put("description", description);
    s.putArray("required").add(prop);
    return s;
  }

  /** A tool result holding one text block. */
  protected static ObjectNode text(String text, boolean isError) {
    ObjectNode r = obj();
    r.putArray("content").addObject().put("type", "text").put("text", text);
    if (isError) {
      r.put("isError", true);
    }
    return r;
  }

  protected JsonNode call(ObjectNode params, Consumer<JsonNode> out) {
    JsonNode args = params.path("arguments");
    switch (params.path("name").asText()) {
      case "echo":
        return text(args.path("text").asText(""), false);
      case "add":
        if (!args.path("a").isNumber() || !args.path("b").isNumber()) {
          return text("Both a and b must be numbers.", true);
        }
        return text(String.valueOf(args.path("a").decimalValue().add(args.path("b").decimalValue())
            .stripTrailingZeros().toPlainString()), false);
      case "countdown":
        int n = Math.max(0, Math.min(10, args.path("n").asInt(3)));
        JsonNode token = JsonRpc.progressToken(params);
        for (int i = n; i > 0; i--) {
          if (token != null) {
            ObjectNode p = obj().put("progress", n - i + 1).put("total", n).put("message", i + "...");
            p.set("progressToken", token);
            out.accept(JsonRpc.notification(McpMethods.NOTIFICATION_PROGRESS, p));
          }
        }
        return text("Liftoff after " + n + " steps.", false);
      default:
        throw McpError.invalidParams("Unknown tool: " + params.path("name").asText());
    }
  }

  private static JsonNode resources() {
    ObjectNode r = obj();
    r.putArray("resources").addObject().put("uri", "demo://readme").put("name", "readme")
        .put("title", "About the demo server").put("mimeType", "text/markdown");
    return r;
  }

  private static JsonNode templates() {
    ObjectNode r = obj();
    r.putArray("resourceTemplates").addObject().put("uriTemplate", "demo://greeting/{name}")
        .put("name", "greeting").put("mimeType", "text/plain");
    return r;
  }

  private static JsonNode read(String uri) {
    String text;
    String mime;
    if ("demo://readme".equals(uri)) {
      text = "# Portcullis demo MCP server\n\nTools: echo, add, countdown. Prompt: greet.\n";
      mime = "text/markdown";
    } else if (uri.startsWith("demo://greeting/") && uri.length() > "demo://greeting/".length()) {
      text = "Hello, " + uri.substring("demo://greeting/".length()) + "!";
      mime = "text/plain";
    } else {
      throw new McpError(McpError.RESOURCE_NOT_FOUND, "Resource not found", obj().put("uri", uri));
    }
    ObjectNode r = obj();
    r.putArray("contents").addObject().put("uri", uri).put("mimeType", mime).put("text", text);
    return r;
  }

  private static JsonNode prompts() {
    ObjectNode r = obj();
    ObjectNode p = r.putArray("prompts").addObject().put("name", "greet").put("description", "Greets someone warmly.");
    p.putArray("arguments").addObject().put("name", "name").put("description", "Who to greet").put("required", true);
    return r;
  }

  private static JsonNode prompt(ObjectNode params) {
    if (!"greet".equals(params.path("name").asText())) {
      throw McpError.invalidParams("Unknown prompt: " + params.path("name").asText());
    }
    String name = params.path("arguments").path("name").asText("friend");
    ObjectNode r = obj().put("description", "A warm greeting");
    r.putArray("messages").addObject().put("role", "user").putObject("content").put("type", "text")
        .put("text", "Please write a warm, one-line greeting for " + name + ".");
    return r;
  }

  private static JsonNode complete(ObjectNode params) {
    String prefix = params.path("argument").path("value").asText("");
    ObjectNode r = obj();
    ArrayNode values = r.putObject("completion").putArray("values");
    NAMES.stream().filter(n -> n.toLowerCase().startsWith(prefix.toLowerCase())).forEach(values::add);
    ((ObjectNode) r.get("completion")).put("total", values.size()).put("hasMore", false);
    return r;
  }
}

package dev.portcullis.mcp.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.demo.DemoMcpServer;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A Streamable HTTP MCP server for governance tests that records every request it receives (so a
 * test can prove what reached it, and what did not), with tools that read secrets, send mail and
 * destroy things, a public and a sensitive resource, and a prompt.
 */
final class RecordingUpstream extends DemoMcpServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  /** Every tools/call, resources/read, prompts/get and completion/complete it received: method and params. */
  final List<JsonNode> received = new CopyOnWriteArrayList<>();
  /** Runs (on a worker thread) when a tools/call arrives, before it is answered; what it returns is kept. */
  volatile Function<JsonNode, String> onCall;
  final List<String> onCallResults = new CopyOnWriteArrayList<>();

  RecordingUpstream() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/mcp";
  }

  /** The tools/call params received, in order. */
  List<JsonNode> calls() {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode r : received) {
      if ("tools/call".equals(r.path("method").asText())) {
        out.add(r.path("params"));
      }
    }
    return out;
  }

  private void handle(HttpServerRequest req) {
    if (req.method() != HttpMethod.POST) {
      req.response().setStatusCode(405).end();
      return;
    }
    req.body().onSuccess(body -> {
      JsonNode msg;
      try {
        msg = JSON.readTree(body.getBytes());
      } catch (Exception e) {
        req.response().setStatusCode(400).end();
        return;
      }
      String method = msg.path("method").asText();
      if ("initialize".equals(method)) {
        req.response().putHeader("mcp-session-id", "s1");
      }
      if (!msg.has("id") || !msg.has("method")) {
        req.response().setStatusCode(202).end();
        return;
      }
      if (method.equals("tools/call") || method.equals("resources/read") || method.equals("prompts/get")
          || method.equals("completion/complete")) {
        received.add(msg);
      }
      Function<JsonNode, String> hook = onCall;
      if ("tools/call".equals(method) && hook != null) {
        vertx.executeBlocking(() -> hook.apply(msg.path("params")), false).onComplete(ar -> {
          onCallResults.add(ar.succeeded() ? ar.result() : "failed: " + ar.cause());
          answer(req, msg);
        });
        return;
      }
      answer(req, msg);
    });
  }

  private void answer(HttpServerRequest req, JsonNode msg) {
    List<JsonNode> out = new ArrayList<>();
    handle(msg, out::add);
    req.response().putHeader("content-type", "application/json").end(out.get(out.size() - 1).toString());
  }

  @Override
  protected JsonNode answer(String method, ObjectNode params, Consumer<JsonNode> out) {
    return switch (method) {
      case "tools/list" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        ArrayNode tools = r.putArray("tools");
        tools.add(tool("read_secret", "Reads the secret store.", "key", "readOnlyHint"));
        tools.add(tool("send_mail", "Sends an e-mail.", "to", "openWorldHint"));
        ((ObjectNode) tools.get(1).get("inputSchema").get("properties")).putObject("body").put("type", "string");
        tools.add(tool("delete_all", "Deletes everything.", "confirm", "destructiveHint"));
        tools.add(tool("echo", "Echoes the given text back.", "text", null));
        yield r;
      }
      case "tools/call" -> {
        JsonNode a = params.path("arguments");
        yield switch (params.path("name").asText()) {
          case "read_secret" -> text("secret for " + a.path("key").asText() + ": hunter2 on host 203.0.113.7");
          case "send_mail" -> text("sent to " + a.path("to").asText() + ": " + a.path("body").asText());
          case "delete_all" -> text("deleted everything");
          case "echo" -> a.has("parts") ? parts(a.path("parts")) : text(a.path("text").asText());
          default -> throw McpError.invalidParams("Unknown tool: " + params.path("name").asText());
        };
      }
      case "resources/list" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        ArrayNode res = r.putArray("resources");
        res.addObject().put("uri", "files://public/readme").put("name", "readme");
        res.addObject().put("uri", "files://hr/salaries").put("name", "salaries");
        yield r;
      }
      case "resources/templates/list" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        r.putArray("resourceTemplates").addObject().put("uriTemplate", "files://public/people/{email}")
            .put("name", "person");
        yield r;
      }
      case "resources/read" -> {
        String uri = params.path("uri").asText();
        ObjectNode r = JsonRpc.F.objectNode();
        r.putArray("contents").addObject().put("uri", uri).put("mimeType", "text/plain")
            .put("text", uri.contains("hr") ? "salaries: see host 198.51.100.4" : "public readme");
        yield r;
      }
      case "prompts/list" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        ArrayNode ps = r.putArray("prompts");
        ps.addObject().put("name", "draft").putArray("arguments").addObject().put("name", "to");
        ps.addObject().put("name", "leak").putArray("arguments").addObject().put("name", "to");
        yield r;
      }
      case "prompts/get" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        r.putArray("messages").addObject().put("role", "user").putObject("content").put("type", "text")
            .put("text", "Write to " + params.path("arguments").path("to").asText());
        yield r;
      }
      case "completion/complete" -> {
        ObjectNode r = JsonRpc.F.objectNode();
        r.putObject("completion").put("total", 1).put("hasMore", false).putArray("values").add("erin@example.com");
        yield r;
      }
      default -> super.answer(method, params, out);
    };
  }

  private static ObjectNode text(String t) {
    return DemoMcpServer.text(t, false);
  }

  /** One text content block per string: how a server may split one answer into several blocks. */
  private static ObjectNode parts(JsonNode strings) {
    ObjectNode r = JsonRpc.F.objectNode();
    ArrayNode content = r.putArray("content");
    for (JsonNode s : strings) {
      content.addObject().put("type", "text").put("text", s.asText());
    }
    return r;
  }

  private static ObjectNode tool(String name, String description, String prop, String hint) {
    ObjectNode t = JsonRpc.F.objectNode().put("name", name).put("description", description);
    ObjectNode schema = t.putObject("inputSchema").put("type", "object");
    schema.putObject("properties").putObject(prop).put("type", "string");
    if (hint != null) {
      t.putObject("annotations").put(hint, true);
    }
    return t;
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

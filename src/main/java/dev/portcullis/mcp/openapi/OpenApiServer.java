package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.protocol.ProtocolVersions;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-process MCP server whose tools are the operations of one REST API: {@code tools/list}
 * from the description, {@code tools/call} as one HTTP request (built, authenticated, sent,
 * mapped back). Everything after it — namespacing, virtual servers, policy, audit — is the
 * gateway's ordinary MCP path.
 */
public final class OpenApiServer {
  private static final Logger LOG = LoggerFactory.getLogger(OpenApiServer.class);

  private final String name;
  private final String title;
  private final Map<String, OperationTool> tools = new LinkedHashMap<>();
  private final RequestBuilder requests;
  private final UpstreamAuth auth;
  private final HttpExecutor executor;
  private final ResponseMapper responses;
  private final long maxBytes;
  private volatile dev.portcullis.mcp.upstream.HeaderSource credential;

  public OpenApiServer(String name, String title, List<OperationTool> tools, RequestBuilder requests,
      UpstreamAuth auth, HttpExecutor executor, ResponseMapper responses, long maxBytes) {
    this.name = name;
    this.title = title;
    tools.forEach(t -> this.tools.put(t.name(), t));
    this.requests = requests;
    this.auth = auth;
    this.executor = executor;
    this.responses = responses;
    this.maxBytes = maxBytes;
  }

  /** A credential shared by every call (static, client credentials of the shared model), or null. */
  void credential(dev.portcullis.mcp.upstream.HeaderSource c) {
    this.credential = c;
  }

  public Map<String, OperationTool> tools() {
    return tools;
  }

  /** Handles one JSON-RPC message; the answer (possibly later) goes to {@code out}. */
  public void handle(JsonNode msg, Consumer<JsonNode> out) {
    handle(msg, out, credential);
  }

  /** As above; calls carry the given credential (one user's, for per-user upstreams), or none when null. */
  public void handle(JsonNode msg, Consumer<JsonNode> out, dev.portcullis.mcp.upstream.HeaderSource cred) {
    if (JsonRpc.kind(msg) != JsonRpc.Kind.REQUEST) {
      return;
    }
    JsonNode id = msg.get("id");
    String method = msg.get("method").asText();
    ObjectNode params = JsonRpc.params(msg);
    Future<JsonNode> result;
    try {
      result = switch (method) {
        case McpMethods.INITIALIZE -> Future.succeededFuture(initialize(params));
        case McpMethods.PING -> Future.succeededFuture(JsonRpc.F.objectNode());
        case McpMethods.TOOLS_LIST -> Future.succeededFuture(list());
        case McpMethods.TOOLS_CALL -> call(params, cred);
        default -> Future.failedFuture(new McpError(McpError.METHOD_NOT_FOUND, "Method not found: " + method));
      };
    } catch (McpError e) {
      result = Future.failedFuture(e);
    }
    result.onComplete(ar -> out.accept(ar.succeeded() ? JsonRpc.result(id, ar.result())
        : JsonRpc.error(id, ar.cause() instanceof McpError e ? e
            : new McpError(McpError.INTERNAL_ERROR, "openapi upstream failed"))));
  }

  private JsonNode initialize(ObjectNode params) {
    ObjectNode r = JsonRpc.F.objectNode()
        .put("protocolVersion", ProtocolVersions.negotiate(params.path("protocolVersion").asText()));
    r.putObject("capabilities").putObject("tools").put("listChanged", false);
    r.putObject("serverInfo").put("name", "openapi:" + name).put("version", "0.1.0");
    if (!title.isEmpty()) {
      r.put("instructions", "Tools calling the REST API \"" + title + "\".");
    }
    return r;
  }

  private JsonNode list() {
    ObjectNode r = JsonRpc.F.objectNode();
    ArrayNode a = r.putArray("tools");
    tools.values().forEach(t -> a.add(t.definition()));
    return r;
  }

  private Future<JsonNode> call(ObjectNode params, dev.portcullis.mcp.upstream.HeaderSource cred) {
    String tool = params.path("name").asText();
    OperationTool op = tools.get(tool);
    if (op == null) {
      return Future.failedFuture(McpError.invalidParams("Unknown tool: " + tool));
    }
    HttpCall call;
    try {
      call = requests.build(op, params.get("arguments"));
    } catch (RequestBuilder.BadArguments e) {
      return Future.succeededFuture(ResponseMapper.error("Invalid arguments for " + tool + ": " + e.getMessage()));
    }
    return send(op, call, cred, true).recover(e -> {
      String why = e instanceof HttpExecutor.CallFailed ? e.getMessage()
          : "the call failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
      LOG.atInfo().addKeyValue("upstream", name).addKeyValue("tool", tool).addKeyValue("error", why)
          .log("OpenAPI tool call failed");
      return Future.succeededFuture(ResponseMapper.error(op.method() + " " + op.path() + ": " + why));
    });
  }

  private Future<JsonNode> send(OperationTool op, HttpCall call, dev.portcullis.mcp.upstream.HeaderSource cred,
      boolean mayRefresh) {
    Future<HttpCall> authed = auth.apply(call, executor::send);
    if (cred != null) {
      authed = authed.compose(c -> cred.headers().map(h -> {
        HttpCall x = c;
        for (Map.Entry<String, String> e : h.entrySet()) {
          x = UpstreamAuth.withHeader(x, e.getKey(), e.getValue());
        }
        return x;
      }));
    }
    return authed.compose(executor::send).compose(r -> {
      if (r.status() == 401 && mayRefresh && (auth.invalidate() | (cred != null && cred.rejected()))) {
        return send(op, call, cred, false); // the token was revoked or expired early: fetch a new one once
      }
      return Future.succeededFuture(responses.map(op, r, maxBytes));
    });
  }
}

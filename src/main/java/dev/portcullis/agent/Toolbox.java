package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.portcullis.identity.Principal;
import dev.portcullis.mcp.CallContext;
import dev.portcullis.mcp.ClientApproval;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.mcp.aggregate.Upstream;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.mcp.upstream.Cancellation;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The MCP tools one loop may use, listed and called under the caller's own identity and persona
 * through the MCP gateway's governed path ({@link McpGateway#governed}): the same visibility,
 * policy, persona grants and limits, guard and write-ahead audit as a client's own call on
 * {@code /mcp}. The calls carry one trace (the loop's {@code traceparent} in {@code _meta}) and
 * no session, so session-aware rules read the caller's principal-wide history, which holds the
 * whole run.
 */
public final class Toolbox {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String TRACEPARENT = "traceparent";

  /**
   * A tool offered to the model.
   *
   * @param name its name on the gateway (in the view it was listed from), as offered to the model
   * @param ownName its name without the gateway's server prefix (the server's name for it)
   * @param server the server or virtual server named in the request
   * @param view the endpoint it is called through ("" for all servers, else the virtual server)
   * @param definition its MCP definition (description, inputSchema, annotations)
   */
  public record Tool(String name, String ownName, String server, String view, JsonNode definition) {
    public String description() {
      return definition.path("description").asText("");
    }

    /** The input schema, or an empty object schema when the server gave none. */
    public JsonNode inputSchema() {
      JsonNode s = definition.get("inputSchema");
      return s != null && s.isObject() ? s : F.objectNode().put("type", "object");
    }
  }

  private final McpGateway mcp;
  private final Principal principal;
  private final String clientIp;
  private final String traceparent;
  private final String runId;
  private final Map<String, Tool> tools;
  private final AtomicInteger calls = new AtomicInteger();
  private final Set<Cancellation> inFlight = ConcurrentHashMap.newKeySet();

  private Toolbox(McpGateway mcp, Principal principal, String clientIp, String traceparent, String runId,
      Map<String, Tool> tools) {
    this.mcp = mcp;
    this.principal = principal;
    this.clientIp = clientIp;
    this.traceparent = traceparent;
    this.runId = runId;
    this.tools = tools;
  }

  /**
   * Lists the selected servers' tools as the caller sees them on {@code /mcp}. Fails with a
   * {@link LoopError} for a name that is neither a server nor a virtual server.
   *
   * @param traceparent the loop's W3C trace context, carried by every call
   * @param runId names the loop's requests (JSON-RPC ids, audit)
   */
  public static Future<Toolbox> open(McpGateway mcp, List<McpSelection> selections, Principal principal,
      String clientIp, String traceparent, String runId) {
    Toolbox box = new Toolbox(mcp, principal, clientIp, traceparent, runId, new LinkedHashMap<>());
    Future<Void> chain = Future.succeededFuture();
    for (McpSelection s : selections) {
      chain = chain.compose(v -> box.add(s));
    }
    return chain.map(box);
  }

  private Future<Void> add(McpSelection s) {
    String prefix;
    String view;
    Upstream server = mcp.upstreams().stream().filter(u -> u.key().equals(s.server())).findFirst().orElse(null);
    if (server != null) {
      view = "";
      prefix = server.alias() + mcp.separator();
    } else if (mcp.hasVirtualServer(s.server())) {
      view = s.server();
      prefix = "";
    } else {
      return Future.failedFuture(new LoopError(LoopError.Kind.INVALID_REQUEST, "The request names '"
          + s.server() + "', which is neither an MCP server nor a virtual server of this gateway"));
    }
    return list(view, null, new ArrayList<>()).map(all -> {
      for (JsonNode def : all) {
        String name = def.path("name").asText("");
        if (!name.startsWith(prefix) || name.isEmpty()) {
          continue;
        }
        String own = name.substring(prefix.length());
        if (s.allowedTools() != null && !s.allowedTools().contains(name) && !s.allowedTools().contains(own)) {
          continue;
        }
        tools.putIfAbsent(name, new Tool(name, own, s.server(), view, def));
      }
      return null;
    });
  }

  /** tools/list through the governed path (what the caller may see), every page. */
  private Future<List<JsonNode>> list(String view, String cursor, List<JsonNode> into) {
    ObjectNode params = F.objectNode();
    if (cursor != null) {
      params.put("cursor", cursor);
    }
    return mcp.governed(context(view, "list"), McpMethods.TOOLS_LIST, params).recover(e -> Future.failedFuture(
        new LoopError(LoopError.Kind.TOOLS_UNAVAILABLE, "could not list the tools of MCP "
            + (view.isEmpty() ? "servers" : "virtual server '" + view + "'") + ": " + e.getMessage())))
        .compose(r -> {
          r.path("tools").forEach(into::add);
          String next = r.path("nextCursor").asText(null);
          return next == null ? Future.succeededFuture(into) : list(view, next, into);
        });
  }

  public List<Tool> tools() {
    return List.copyOf(tools.values());
  }

  /** The gateway tool of this name, or null (a tool of the client's own). */
  public Tool find(String name) {
    return tools.get(name);
  }

  /**
   * Calls one tool; never fails: a refusal (policy, persona, guard, limits, approval) or a failure
   * becomes an error step whose text says why, which the model is shown like any tool error.
   */
  public Future<ToolStep> call(ToolUse use) {
    return call(use, null);
  }

  /**
   * Calls one tool the client decided on itself ({@link ClientApproval}): refused when the client
   * refused it, recorded as approved by the client otherwise; the gateway's policy applies as always.
   */
  public Future<ToolStep> call(ToolUse use, ClientApproval approval) {
    Tool tool = tools.get(use.name());
    if (tool == null) { // a call the client approved of a tool this request no longer offers
      return Future.succeededFuture(new ToolStep(use.id(), use.name(), "", use.arguments(), "The gateway did not run "
          + use.name() + ": the request's mcp tools do not offer it.", true, McpError.INVALID_PARAMS));
    }
    if (!use.arguments().isObject()) {
      return Future.succeededFuture(new ToolStep(use.id(), use.name(), tool.server(), use.arguments(),
          "The arguments of " + use.name() + " must be a JSON object.", true, McpError.INVALID_PARAMS));
    }
    ObjectNode params = F.objectNode().put("name", use.name());
    params.set("arguments", use.arguments());
    params.putObject("_meta").put(TRACEPARENT, traceparent);
    Cancellation cancel = new Cancellation();
    inFlight.add(cancel);
    return mcp.governed(context(tool.view(), "call-" + calls.incrementAndGet(), cancel, approval),
        McpMethods.TOOLS_CALL, params)
        .transform(ar -> {
          inFlight.remove(cancel);
          if (ar.succeeded()) {
            JsonNode r = ar.result();
            return Future.succeededFuture(new ToolStep(use.id(), use.name(), tool.server(), use.arguments(),
                text(r), r.path("isError").asBoolean(false), null));
          }
          Integer code = ar.cause() instanceof McpError m ? m.code() : null;
          return Future.succeededFuture(new ToolStep(use.id(), use.name(), tool.server(), use.arguments(),
              "The gateway did not run " + use.name() + ": " + ar.cause().getMessage(), true,
              code == null ? McpError.INTERNAL_ERROR : code));
        });
  }

  /** Cancels the calls in flight (the loop ran out of time): upstreams are told, as for a client's cancel. */
  public void cancel() {
    inFlight.forEach(Cancellation::cancel);
  }

  private CallContext context(String view, String request) {
    return context(view, request, null, null);
  }

  private CallContext context(String view, String request, Cancellation cancel, ClientApproval approval) {
    // no session and no 2026-07-28 meta: the plain request/response path, nothing asked of a client
    return new CallContext(principal, null, view, TextNode.valueOf(runId + "-" + request), m -> { }, null, cancel,
        clientIp, null, approval);
  }

  /** The text blocks of a result, joined; structured content or the whole result when it has none. */
  private static String text(JsonNode result) {
    StringBuilder sb = new StringBuilder();
    for (JsonNode block : result.path("content")) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append("text".equals(block.path("type").asText()) ? block.path("text").asText() : block.toString());
    }
    if (sb.length() == 0) {
      JsonNode structured = result.get("structuredContent");
      return structured != null ? structured.toString() : result.toString();
    }
    return sb.toString();
  }
}

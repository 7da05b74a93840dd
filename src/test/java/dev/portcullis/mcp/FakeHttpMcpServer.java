package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.demo.DemoMcpServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Streamable HTTP MCP server for tests (the demo server's tools behind a session-based
 * endpoint) that can forget its sessions, fail with 500, drop a response stream or answer with
 * an oversized body on demand.
 */
public final class FakeHttpMcpServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Vertx vertx = Vertx.vertx();
  private final DemoMcpServer demo;
  private final Set<String> sessions = ConcurrentHashMap.newKeySet();
  public final AtomicInteger initializations = new AtomicInteger();
  public final List<String> seenHeaders = new java.util.concurrent.CopyOnWriteArrayList<>();
  volatile boolean fail500;
  volatile boolean dropStreams;
  /** When positive, a JSON answer is padded with whitespace (still valid JSON) to this many bytes. */
  volatile int padAnswersTo;
  private final HttpServer server;

  public FakeHttpMcpServer() throws Exception {
    this(new DemoMcpServer());
  }

  /** Serves the given server's tools (e.g. one whose definitions change). */
  FakeHttpMcpServer(DemoMcpServer demo) throws Exception {
    this.demo = demo;
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort() + "/mcp";
  }

  void forgetSessions() {
    sessions.clear();
  }

  private void handle(HttpServerRequest req) {
    String sid = req.getHeader("mcp-session-id");
    if (req.method() == HttpMethod.GET) {
      req.response().setStatusCode(405).end();
      return;
    }
    if (req.method() == HttpMethod.DELETE) {
      sessions.remove(sid);
      req.response().end();
      return;
    }
    req.body().onSuccess(body -> {
      seenHeaders.add(String.valueOf(req.getHeader("x-upstream-key")));
      JsonNode msg;
      try {
        msg = JSON.readTree(body.getBytes());
      } catch (Exception e) {
        req.response().setStatusCode(400).end();
        return;
      }
      String method = msg.path("method").asText();
      if ("initialize".equals(method)) {
        initializations.incrementAndGet();
        String fresh = UUID.randomUUID().toString();
        sessions.add(fresh);
        req.response().putHeader("mcp-session-id", fresh);
      } else if (sid == null || !sessions.contains(sid)) {
        req.response().setStatusCode(404).end("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32001,\"message\":\"Session not found\"}}");
        return;
      }
      if (fail500) {
        req.response().setStatusCode(500).end("boom");
        return;
      }
      if (!msg.has("id") || !msg.has("method")) {
        req.response().setStatusCode(202).end();
        return;
      }
      if (dropStreams && "tools/call".equals(method)) {
        req.response().putHeader("content-type", "text/event-stream").setChunked(true);
        req.response().write("id: 1\ndata: \n\n").onComplete(x -> req.connection().close());
        return;
      }
      List<JsonNode> out = new ArrayList<>();
      demo.handle(msg, out::add);
      if (msg.path("params").path("_meta").has("progressToken")) {
        StringBuilder sse = new StringBuilder();
        int n = 0;
        for (JsonNode m : out) {
          sse.append("id: ").append(++n).append("\ndata: ").append(m).append("\n\n");
        }
        req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
      } else {
        // a JSON answer is the response itself, not whatever the server emitted last
        JsonNode response = out.stream().filter(m -> m.has("id") && !m.has("method")).reduce((a, b) -> b)
            .orElseThrow();
        String json = response.toString();
        req.response().putHeader("content-type", "application/json")
            .end(padAnswersTo > json.length() ? json + " ".repeat(padAnswersTo - json.length()) : json);
      }
    });
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

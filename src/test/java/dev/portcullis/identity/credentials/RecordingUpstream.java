package dev.portcullis.identity.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.demo.DemoMcpServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstreams of the credential tests, recording every request's headers: Streamable HTTP MCP
 * servers (the demo tools) under {@code /mcp/*}, a REST API ({@code GET /api/whoami}) with its
 * OpenAPI description, and a client-credentials token endpoint ({@code POST /token}). A bearer
 * token in {@link #rejected} is answered 401, as an upstream does with a revoked token.
 */
final class RecordingUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received: its path, its MCP method (or ""), and its headers (lower-case names). */
  record Seen(String path, String method, Map<String, String> headers) {
    String authorization() {
      return headers.get("authorization");
    }
  }

  final List<Seen> seen = new CopyOnWriteArrayList<>();
  final Set<String> rejected = ConcurrentHashMap.newKeySet();
  final AtomicInteger tokensIssued = new AtomicInteger();
  volatile long tokenSeconds = 2;
  private final Vertx vertx = Vertx.vertx();
  private final DemoMcpServer demo = new DemoMcpServer();
  private final HttpServer server;

  static final String SPEC = """
      {"openapi":"3.0.3","info":{"title":"Who am I","version":"1"},
       "paths":{"/whoami":{"get":{"operationId":"whoami","summary":"Shows the caller",
         "responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":"object"}}}}}}}}}
      """;

  RecordingUpstream() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** What reached the upstream at this path, tools/call requests (MCP) or any request (REST). */
  List<Seen> calls(String path) {
    List<Seen> out = new ArrayList<>();
    for (Seen s : seen) {
      if (s.path().equals(path) && (s.method().equals("tools/call") || !path.startsWith("/mcp"))) {
        out.add(s);
      }
    }
    return out;
  }

  Seen lastCall(String path) {
    List<Seen> c = calls(path);
    return c.isEmpty() ? null : c.get(c.size() - 1);
  }

  private boolean refused(HttpServerRequest req) {
    String auth = req.getHeader("authorization");
    if (auth != null && auth.startsWith("Bearer ") && rejected.contains(auth.substring(7))) {
      req.response().setStatusCode(401).putHeader("www-authenticate", "Bearer error=\"invalid_token\"").end();
      return true;
    }
    return false;
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      Map<String, String> h = new ConcurrentHashMap<>();
      req.headers().forEach(e -> h.merge(e.getKey().toLowerCase(), e.getValue(), (x, y) -> x + "|" + y));
      String path = req.path();
      if (path.equals("/openapi.json")) {
        req.response().putHeader("content-type", "application/json").end(SPEC);
        return;
      }
      if (path.equals("/token") && req.method() == HttpMethod.POST) {
        seen.add(new Seen(path, "", h));
        String token = "cc-" + tokensIssued.incrementAndGet();
        req.response().putHeader("content-type", "application/json").end("{\"access_token\":\"" + token
            + "\",\"token_type\":\"Bearer\",\"expires_in\":" + tokenSeconds + "}");
        return;
      }
      if (path.startsWith("/api/")) {
        seen.add(new Seen(path, "", h));
        if (refused(req)) {
          return;
        }
        req.response().putHeader("content-type", "application/json").end(JSON.createObjectNode()
            .put("authorization", String.valueOf(h.get("authorization"))).toString());
        return;
      }
      if (!path.startsWith("/mcp")) {
        req.response().setStatusCode(404).end();
        return;
      }
      if (req.method() != HttpMethod.POST) {
        req.response().setStatusCode(req.method() == HttpMethod.DELETE ? 200 : 405).end();
        return;
      }
      JsonNode msg;
      try {
        msg = JSON.readTree(body.getBytes());
      } catch (Exception e) {
        req.response().setStatusCode(400).end();
        return;
      }
      String method = msg.path("method").asText();
      seen.add(new Seen(path, method, h));
      if (refused(req)) {
        return;
      }
      if ("initialize".equals(method)) {
        req.response().putHeader("mcp-session-id", UUID.randomUUID().toString());
      }
      if (!msg.has("id") || !msg.has("method")) {
        req.response().setStatusCode(202).end();
        return;
      }
      List<JsonNode> out = new ArrayList<>();
      demo.handle(msg, out::add);
      req.response().putHeader("content-type", "application/json").end(out.get(out.size() - 1).toString());
    });
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

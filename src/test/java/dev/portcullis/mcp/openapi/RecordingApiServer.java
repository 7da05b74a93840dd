package dev.portcullis.mcp.openapi;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local REST server for the tests: part of the Swagger Petstore (under /v3 and /v2) and the
 * edge cases of edge-api.yaml (under /edge), plus an OAuth token endpoint. It records every
 * request exactly as it arrived (method, raw URI, headers, body).
 */
final class RecordingApiServer implements AutoCloseable {
  /** One request as received. */
  record Seen(String method, String uri, Map<String, String> headers, String body) {}

  final List<Seen> requests = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger flaky = new AtomicInteger();
  final AtomicInteger tokens = new AtomicInteger();
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;

  RecordingApiServer() throws Exception {
    server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** The last request whose URI starts with the prefix. */
  Seen last(String uriPrefix) {
    synchronized (requests) {
      for (int i = requests.size() - 1; i >= 0; i--) {
        if (requests.get(i).uri().startsWith(uriPrefix)) {
          return requests.get(i);
        }
      }
    }
    return null;
  }

  /** The last request to exactly this URI. */
  Seen exact(String uri) {
    synchronized (requests) {
      for (int i = requests.size() - 1; i >= 0; i--) {
        if (requests.get(i).uri().equals(uri)) {
          return requests.get(i);
        }
      }
    }
    return null;
  }

  long count(String uriPrefix) {
    synchronized (requests) {
      return requests.stream().filter(r -> r.uri().startsWith(uriPrefix)).count();
    }
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(b -> {
      Map<String, String> h = new ConcurrentHashMap<>();
      req.headers().forEach(e -> h.merge(e.getKey().toLowerCase(), e.getValue(), (x, y) -> x + "|" + y));
      requests.add(new Seen(req.method().name(), req.uri(), h, b.toString()));
      route(req, b);
    });
  }

  private static JsonObject pet(long id, String name, String status) {
    return new JsonObject().put("id", id).put("name", name).put("photoUrls", new JsonArray().add("p.png"))
        .put("status", status);
  }

  private void route(HttpServerRequest req, Buffer body) {
    String path = req.path();
    String m = req.method().name();
    var resp = req.response();
    if (path.startsWith("/v2/")) {
      path = "/v3/" + path.substring(4);
    }
    if (path.startsWith("/files/") && !path.contains("..")) {
      java.nio.file.Path f = java.nio.file.Path.of("src/test/resources/openapi/multi", path.substring(7));
      try {
        resp.putHeader("content-type", "application/yaml").end(java.nio.file.Files.readString(f));
      } catch (java.io.IOException e) {
        resp.setStatusCode(404).end();
      }
      return;
    }
    if (path.equals("/oauth/token") && m.equals("POST")) {
      tokens.incrementAndGet();
      json(req, 200, new JsonObject().put("access_token", "cc-token-" + tokens.get()).put("token_type", "Bearer")
          .put("expires_in", 3600));
      return;
    }
    if (path.equals("/v3/pet/findByStatus")) {
      json(req, 200, new JsonArray().add(pet(1, "a", req.getParam("status"))).add(pet(2, "b", req.getParam("status"))));
      return;
    }
    if (path.equals("/v3/pet/findByTags")) {
      json(req, 200, new JsonArray().add(pet(3, String.join("+", req.params().getAll("tags")), "sold")));
      return;
    }
    if (path.matches("/v3/pet/[^/]+") && m.equals("GET")) {
      String id = path.substring("/v3/pet/".length());
      if (id.equals("404")) {
        json(req, 404, new JsonObject().put("code", 404).put("message", "Pet not found"));
      } else {
        json(req, 200, pet(id.matches("[0-9]+") ? Long.parseLong(id) : 0, "doggie", "available"));
      }
      return;
    }
    if (path.equals("/v3/pet") && (m.equals("POST") || m.equals("PUT"))) {
      JsonObject p = body.toJsonObject();
      json(req, 200, p.put("id", p.getLong("id", 99L)));
      return;
    }
    if (path.matches("/v3/pet/[^/]+") && (m.equals("POST") || m.equals("DELETE"))) {
      resp.setStatusCode(200).end();
      return;
    }
    if (path.equals("/v3/store/inventory")) {
      json(req, 200, new JsonObject().put("available", 7).put("sold", 2));
      return;
    }
    if (path.equals("/v3/user/login")) {
      resp.putHeader("content-type", "text/plain").end("logged in user session:12345");
      return;
    }
    if (path.startsWith("/edge/styles/") || path.startsWith("/edge/odd") || path.equals("/edge/whoami")) {
      json(req, 200, new JsonObject().put("ok", true));
      return;
    }
    switch (path) {
      case "/edge/text" -> resp.putHeader("content-type", "text/plain; charset=utf-8").end("plain words");
      case "/edge/big" -> json(req, 200, new JsonObject().put("data", "x".repeat(5000)));
      case "/edge/slow" -> vertx.setTimer(3000, t -> resp.end("late"));
      case "/edge/flaky" -> {
        if (flaky.incrementAndGet() % 3 != 0) {
          resp.setStatusCode(503).end("busy");
        } else {
          json(req, 200, new JsonObject().put("attempt", flaky.get()));
        }
      }
      case "/edge/redirect" -> resp.setStatusCode(302).putHeader("location", req.getParam("to")).end();
      case "/edge/fail" -> resp.setStatusCode(500).putHeader("content-type", "application/json")
          .end("{\"error\":\"database exploded\",\n \"trace\": \"" + "t".repeat(2000) + "\"}");
      case "/edge/image" -> resp.putHeader("content-type", "image/png").end(Buffer.buffer(new byte[] {(byte) 0x89, 'P', 'N', 'G'}));
      case "/edge/form" -> resp.setStatusCode(204).end();
      case "/edge/tree" -> json(req, 200, new JsonObject().put("name", "root").put("children",
          new JsonArray().add(new JsonObject().put("name", "leaf"))));
      default -> resp.setStatusCode(404).end("no route " + path);
    }
  }

  private static void json(HttpServerRequest req, int status, Object body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

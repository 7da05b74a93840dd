package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.mcp.demo.DemoMcpServer;
import dev.portcullis.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The MCP write-ahead audit trail under SIGKILL, with the gateway as a real child process: tool
 * calls stream through it to an upstream that records what reaches it (answering some, holding
 * others open), and the gateway is killed with kill -9 while calls are in flight. Afterwards
 * every call the upstream received has its {@code started} event, every call answered to the
 * client has its {@code completed} event, and {@code portcullis audit verify} passes.
 */
class McpAuditKillTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "kill-key";
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void nothingTheUpstreamOrTheClientSawIsMissingAfterKillNine() throws Exception {
    Path dir = Files.createTempDirectory("mcp-audit-kill");
    String url = "jdbc:sqlite:" + dir.resolve("audit.db");
    try (Upstream upstream = new Upstream()) {
      Path config = dir.resolve("gateway.yaml");
      Process started = null;
      String foundBase = null;
      String foundSession = null;
      // a port found free can be taken again before the child binds it (by an outgoing
      // connection's ephemeral port): then the child says so and starts again on another
      for (int attempt = 1; foundSession == null; attempt++) {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        foundBase = "http://127.0.0.1:" + port;
        Files.writeString(config, """
            server: { port: %d, access_log: false }
            clients: { keys: [%s] }
            store: { url: "%s" }
            audit: { flush_ms: 1000 }
            mcp:
              servers:
                rec: { type: http, url: "%s" }
            """.formatted(port, KEY, url, upstream.url()));
        started = launch(dir, "serve", "--config", config.toString(), "--event-loops", "2");
        try {
          foundSession = awaitTools(foundBase, started);
        } catch (AssertionError e) {
          started.destroyForcibly();
          started.waitFor(30, TimeUnit.SECONDS);
          if (attempt == 3 || !Files.readString(dir.resolve("serve.log")).contains("Address already in use")) {
            throw e;
          }
        }
      }
      Process gateway = started;
      String base = foundBase;
      String session = foundSession;
      Set<String> acked = ConcurrentHashMap.newKeySet();
      List<CompletableFuture<?>> calls = new ArrayList<>();
      try {
        // calls stream in, up to 24 at a time; once 40 are answered, the upstream holds every third
        Semaphore window = new Semaphore(24);
        AtomicBoolean firing = new AtomicBoolean(true);
        Thread shooter = new Thread(() -> {
          for (int n = 1; firing.get(); n++) {
            try {
              if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                n--;
                continue;
              }
            } catch (InterruptedException e) {
              return;
            }
            String id = Integer.toString(n);
            CompletableFuture<?> f = http.sendAsync(call(base, session, n), HttpResponse.BodyHandlers.ofString())
                .thenAccept(r -> {
                  if (r.statusCode() == 200 && r.body().contains("\"call-" + id + "\"")) {
                    acked.add(id);
                  }
                }).whenComplete((v, e) -> window.release());
            synchronized (calls) {
              calls.add(f);
            }
          }
        });
        shooter.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acked.size() < 40) {
          assertThat(System.nanoTime()).as("calls were not answered").isLessThan(deadline);
          Thread.sleep(5);
        }
        upstream.holdEveryThird = true;
        int answeredAtSwitch = acked.size();
        while (upstream.held.size() < 5 || acked.size() < answeredAtSwitch + 20) {
          assertThat(System.nanoTime()).as("calls were not held").isLessThan(deadline);
          Thread.sleep(1);
        }
        gateway.destroyForcibly(); // SIGKILL with calls committing, in flight upstream, and being answered
        assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).isTrue();
        firing.set(false);
        shooter.join(10_000);
      } finally {
        gateway.destroyForcibly();
        gateway.waitFor(30, TimeUnit.SECONDS);
      }
      List<CompletableFuture<?>> all;
      synchronized (calls) {
        all = new ArrayList<>(calls);
      }
      CompletableFuture.allOf(all.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
          .get(30, TimeUnit.SECONDS);

      Set<String> received = new HashSet<>(upstream.received);
      assertThat(acked).hasSizeGreaterThanOrEqualTo(60);
      assertThat(received).containsAll(acked).hasSizeGreaterThan(acked.size()); // some were still in flight

      Map<String, Set<String>> phases = new HashMap<>();
      try (Store store = Store.open(new GatewayConfig.StoreConfig(url, null, null, null, null, null, null))) {
        AuditRepository repo = new AuditRepository(store.dataSource(), store.sqlite());
        for (AuditEvent e : repo.query(new AuditRepository.Filter("mcp", null, null, null, null, null, null, null,
            null, null, null, null, 100_000))) {
          if ("tools/call".equals(e.action())) {
            phases.computeIfAbsent(e.requestId(), k -> new HashSet<>()).add(e.phase());
          }
        }
      }
      for (String id : received) {
        assertThat(phases.getOrDefault(id, Set.of())).as("call %s reached the upstream", id).contains("started");
      }
      for (String id : acked) {
        assertThat(phases.getOrDefault(id, Set.of())).as("call %s was answered", id).contains("completed");
      }
      // the chain verifies, as an operator would check it
      Process verify = launch(dir, "audit", "verify", "--config", config.toString());
      assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(verify.exitValue()).as(Files.readString(dir.resolve("audit.log"))).isZero();
      assertThat(Files.readString(dir.resolve("audit.log"))).contains("hash chain intact");
    }
  }

  static HttpRequest call(String base, String session, int n) {
    return HttpRequest.newBuilder(URI.create(base + "/mcp")).timeout(Duration.ofSeconds(60))
        .header("authorization", "Bearer " + KEY).header("accept", "application/json")
        .header("content-type", "application/json").header("mcp-session-id", session)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":" + n + ",\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"rec__echo\",\"arguments\":{\"text\":\"call-" + n + "\"}}}"))
        .build();
  }

  /** Waits until the gateway serves the upstream's tools; returns an MCP session. */
  private String awaitTools(String base, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String session = null;
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("the gateway exited with " + p.exitValue());
      }
      try {
        if (session == null) {
          HttpResponse<String> r = http.send(post(base, null, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\","
              + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"k\","
              + "\"version\":\"1\"}}}"), HttpResponse.BodyHandlers.ofString());
          session = r.statusCode() == 200 ? r.headers().firstValue("mcp-session-id").orElse(null) : null;
          if (session != null) {
            http.send(post(base, session, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"),
                HttpResponse.BodyHandlers.ofString());
          }
        }
        if (session != null && http.send(post(base, session, "{\"jsonrpc\":\"2.0\",\"id\":-1,\"method\":\"tools/list\"}"),
            HttpResponse.BodyHandlers.ofString()).body().contains("rec__echo")) {
          return session;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the gateway did not serve the upstream's tools");
  }

  private static HttpRequest post(String base, String session, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/mcp")).timeout(Duration.ofSeconds(10))
        .header("authorization", "Bearer " + KEY).header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    if (session != null) {
      b.header("mcp-session-id", session);
    }
    return b.POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private static Process launch(Path dir, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), "dev.portcullis.Main"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(dir.resolve(args[0] + ".log").toFile());
    pb.environment().put("PORTCULLIS_LOG_LEVEL", "WARN");
    return pb.start();
  }

  /**
   * A session-based Streamable HTTP MCP server (the demo tools) that records each tools/call's
   * {@code arguments.text} as it arrives; once told to, it holds every third call open unanswered.
   */
  static final class Upstream implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final DemoMcpServer demo = new DemoMcpServer();
    final Set<String> received = ConcurrentHashMap.newKeySet();
    final List<HttpServerRequest> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile boolean holdEveryThird;
    final HttpServer server;

    Upstream() throws Exception {
      server = vertx.createHttpServer().requestHandler(req -> {
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
          if (!msg.has("id") || !msg.has("method")) {
            req.response().setStatusCode(202).end();
            return;
          }
          if ("initialize".equals(msg.path("method").asText())) {
            req.response().putHeader("mcp-session-id", "s1");
          }
          if ("tools/call".equals(msg.path("method").asText())) {
            String text = msg.path("params").path("arguments").path("text").asText();
            String n = text.substring("call-".length());
            received.add(n);
            if (holdEveryThird && Integer.parseInt(n) % 3 == 0) {
              held.add(req); // in flight until the gateway dies
              return;
            }
          }
          List<JsonNode> out = new ArrayList<>();
          demo.handle(msg, out::add);
          req.response().putHeader("content-type", "application/json").end(out.get(out.size() - 1).toString());
        });
      }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort() + "/mcp";
    }

    @Override
    public void close() throws Exception {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}

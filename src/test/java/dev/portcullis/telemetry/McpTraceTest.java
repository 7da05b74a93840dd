package dev.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.mcp.demo.DemoMcpServer;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.OtlpCollector;
import dev.portcullis.testing.OtlpCollector.ReceivedSpan;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MCP traces end to end, as a collector receives them over OTLP: a client's traceparent (in
 * {@code params._meta} or the HTTP headers) is the parent of the gateway's SERVER span; each
 * request to an upstream is a CLIENT span under it whose context the upstream receives in
 * {@code params._meta} (HTTP and stdio) and the HTTP headers; the audit event records the trace;
 * and an agent's model call and tool call with one traceparent form one trace.
 */
class McpTraceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TRACE = "5bf92f3577b34da6a3ce929d0e0e4799";
  static final String CLIENT_SPAN = "10f067aa0ba902b7";
  static final String TRACEPARENT = "00-" + TRACE + "-" + CLIENT_SPAN + "-01";
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static Recorder upstream;
  static FakeOpenAiUpstream llm;
  static OtlpCollector otlp;
  static GatewayHarness gw;
  static McpTestClient client;

  /** The stdio upstream: the demo server plus a tool {@code meta} that answers with the request's _meta. */
  public static void main(String[] args) throws Exception {
    PrintStream stdout = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    System.setOut(System.err);
    Consumer<JsonNode> out = m -> {
      synchronized (stdout) {
        stdout.print(m + "\n");
        stdout.flush();
      }
    };
    DemoMcpServer server = new DemoMcpServer() {
      @Override
      protected ArrayNode toolList() {
        ArrayNode tools = super.toolList();
        tools.addObject().put("name", "meta").put("description", "Answers with the request's _meta")
            .putObject("inputSchema").put("type", "object");
        return tools;
      }

      @Override
      protected JsonNode call(ObjectNode params, Consumer<JsonNode> o) {
        return "meta".equals(params.path("name").asText()) ? text(params.path("_meta").toString(), false)
            : super.call(params, o);
      }
    };
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (!line.isBlank()) {
        server.handle(JSON.readTree(line), out);
      }
    }
  }

  @BeforeAll
  static void start() throws Exception {
    upstream = new Recorder();
    llm = FakeOpenAiUpstream.start();
    otlp = OtlpCollector.start();
    Path dir = Files.createTempDirectory("mcp-trace");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    gw = GatewayHarness.start("""
        models:
          gpt-a:
            deployments:
              - { name: fake-1, type: openai_compatible, base_url: "%s", model: gpt-4o-mini }
        store:
          url: "jdbc:sqlite:%s"
        audit:
          flush_ms: 50
        telemetry:
          service_name: portcullis-mcp-test
          otlp: { endpoint: "%s" }
        mcp:
          servers:
            rec: { type: http, url: "%s" }
            local:
              type: stdio
              command: "%s"
              args: ["-XX:TieredStopAtLevel=1", "-cp", "%s", "%s"]
        """.formatted(llm.baseUrl(), dir.resolve("t.db"), otlp.endpoint(), upstream.url(), java,
        System.getProperty("java.class.path"), McpTraceTest.class.getName()));
    client = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    client.initialize("2025-11-25");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!client.result("tools/list", null).toString().contains("local__meta")) {
      assertThat(System.nanoTime()).as("the stdio upstream did not come up").isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    otlp.close();
    llm.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    gw.gateway().telemetry().flush();
    otlp.clear();
    upstream.calls.clear();
  }

  static List<ReceivedSpan> named(List<ReceivedSpan> spans, String kind, String name) {
    return spans.stream().filter(s -> s.kind().equals(kind) && s.name().equals(name)).toList();
  }

  static ReceivedSpan one(String kind, String name) throws Exception {
    List<ReceivedSpan> got = named(otlp.awaitSpans(s -> !named(s, kind, name).isEmpty()), kind, name);
    assertThat(got).as(kind + " " + name).hasSize(1);
    return got.get(0);
  }

  @Test
  void aToolCallJoinsTheClientsTraceAndTheUpstreamGetsItInMetaAndHeaders() throws Exception {
    JsonNode r = client.rpc("tools/call", "{\"name\":\"rec__echo\",\"arguments\":{\"text\":\"hi\"},"
        + "\"_meta\":{\"traceparent\":\"" + TRACEPARENT + "\",\"progressToken\":\"p1\"}}");
    assertThat(McpTestClient.text(r)).as(r.toString()).isEqualTo("hi");

    ReceivedSpan server = one("SPAN_KIND_SERVER", "tools/call rec__echo");
    ReceivedSpan call = one("SPAN_KIND_CLIENT", "tools/call echo");
    assertThat(server.service()).isEqualTo("portcullis-mcp-test");
    assertThat(server.traceId()).isEqualTo(TRACE);
    assertThat(server.parentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(server.attributes()).containsEntry("mcp.method.name", "tools/call")
        .containsEntry("gen_ai.tool.name", "rec__echo")
        .containsEntry("gen_ai.operation.name", "execute_tool")
        .containsEntry("mcp.session.id", client.session)
        .containsEntry("mcp.protocol.version", "2025-11-25")
        .containsEntry("jsonrpc.request.id", r.path("id").asText())
        .containsEntry("network.transport", "tcp")
        .doesNotContainKey("error.type");
    assertThat(server.statusCode()).isNotEqualTo("STATUS_CODE_ERROR");

    assertThat(call.traceId()).isEqualTo(TRACE);
    assertThat(call.parentSpanId()).isEqualTo(server.spanId());
    assertThat(call.attributes()).containsEntry("mcp.method.name", "tools/call")
        .containsEntry("gen_ai.tool.name", "echo")
        .containsEntry("gen_ai.operation.name", "execute_tool")
        .containsEntry("mcp.protocol.version", "2025-11-25")
        .containsEntry("server.address", "127.0.0.1")
        .containsEntry("server.port", Integer.toString(URI.create(upstream.url()).getPort()))
        .containsEntry("portcullis.mcp.server", "rec");

    // the upstream got the client span's context, in _meta (other keys kept) and in the headers
    assertThat(upstream.calls).hasSize(1);
    Recorded got = upstream.calls.get(0);
    String expected = "00-" + TRACE + "-" + call.spanId() + "-01";
    assertThat(got.params().path("_meta").path("traceparent").asText()).isEqualTo(expected);
    assertThat(got.params().path("_meta").has("progressToken")).isTrue();
    assertThat(got.traceparentHeader()).isEqualTo(expected);

    // the audit trail records the gateway's trace
    gw.gateway().flushAudit();
    List<AuditEvent> events = gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null,
        null, null, null, null, TRACE, null, null, null, null, 10));
    assertThat(events).extracting(AuditEvent::phase).contains("started", "completed");
  }

  @Test
  void theHttpTraceparentIsTheParentWhenMetaHasNoneAndErrorsAreMarked() throws Exception {
    HttpResponse<String> r = client.send(client.request().header("traceparent", TRACEPARENT)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":\"req-7\",\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"rec__nope\",\"arguments\":{}}}")).build());
    assertThat(r.body()).contains("-32602");
    ReceivedSpan server = one("SPAN_KIND_SERVER", "tools/call rec__nope");
    assertThat(server.traceId()).isEqualTo(TRACE);
    assertThat(server.parentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(server.attributes()).containsEntry("jsonrpc.request.id", "req-7")
        .containsEntry("error.type", "-32602").containsEntry("rpc.response.status_code", "-32602");
    assertThat(server.statusCode()).isEqualTo("STATUS_CODE_ERROR");

    // a tool that reports a failure (isError): error.type tool_error on both spans
    JsonNode bad = client.rpc("tools/call", "{\"name\":\"rec__add\",\"arguments\":{\"a\":\"x\",\"b\":1}}");
    assertThat(bad.path("result").path("isError").asBoolean()).as(bad.toString()).isTrue();
    ReceivedSpan failed = one("SPAN_KIND_SERVER", "tools/call rec__add");
    assertThat(failed.parentSpanId()).isEmpty(); // no traceparent: a new trace
    assertThat(failed.attributes()).containsEntry("error.type", "tool_error");
    assertThat(one("SPAN_KIND_CLIENT", "tools/call add").attributes()).containsEntry("error.type", "tool_error");
  }

  @Test
  void aStdioUpstreamGetsTheTraceInMeta() throws Exception {
    JsonNode r = client.rpc("tools/call", "{\"name\":\"local__meta\",\"arguments\":{},"
        + "\"_meta\":{\"traceparent\":\"" + TRACEPARENT + "\"}}");
    JsonNode meta = JSON.readTree(McpTestClient.text(r));
    ReceivedSpan call = one("SPAN_KIND_CLIENT", "tools/call meta");
    assertThat(meta.path("traceparent").asText()).isEqualTo("00-" + TRACE + "-" + call.spanId() + "-01");
    assertThat(call.attributes()).containsEntry("network.transport", "pipe").doesNotContainKey("server.address")
        .containsEntry("portcullis.mcp.server", "local");
    assertThat(call.parentSpanId()).isEqualTo(one("SPAN_KIND_SERVER", "tools/call local__meta").spanId());
  }

  @Test
  void aStatelessRequestIsTracedToo() throws Exception {
    String v = "2026-07-28";
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer " + GatewayHarness.KEY)
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("mcp-protocol-version", v).header("mcp-method", "tools/call").header("mcp-name", "rec__echo")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":"
            + "{\"name\":\"rec__echo\",\"arguments\":{\"text\":\"x\"},\"_meta\":{\"io.modelcontextprotocol/"
            + "protocolVersion\":\"" + v + "\",\"io.modelcontextprotocol/clientCapabilities\":{},"
            + "\"traceparent\":\"" + TRACEPARENT + "\"}}}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    ReceivedSpan server = one("SPAN_KIND_SERVER", "tools/call rec__echo");
    assertThat(server.traceId()).isEqualTo(TRACE);
    assertThat(server.parentSpanId()).isEqualTo(CLIENT_SPAN);
    assertThat(server.attributes()).containsEntry("mcp.protocol.version", v).containsEntry("jsonrpc.request.id", "5")
        .doesNotContainKey("mcp.session.id");
    ReceivedSpan call = one("SPAN_KIND_CLIENT", "tools/call echo");
    assertThat(call.parentSpanId()).isEqualTo(server.spanId());
    assertThat(upstream.calls.get(0).params().path("_meta").path("traceparent").asText())
        .isEqualTo("00-" + TRACE + "-" + call.spanId() + "-01");
  }

  @Test
  void anAgentRunsModelCallAndToolCallAreOneTrace() throws Exception {
    // the agent's model call, then the tool call the model asked for, under one traceparent
    HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .header("traceparent", TRACEPARENT)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-a\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"call echo\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    HttpResponse<String> tool = client.send(client.request().header("traceparent", TRACEPARENT)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":42,\"method\":\"tools/call\","
            + "\"params\":{\"name\":\"rec__echo\",\"arguments\":{\"text\":\"done\"}}}")).build());
    assertThat(tool.body()).contains("done");

    List<ReceivedSpan> spans = otlp.awaitSpans(s -> s.size() >= 4);
    ReceivedSpan model = one("SPAN_KIND_SERVER", "chat gpt-a");
    ReceivedSpan mcp = one("SPAN_KIND_SERVER", "tools/call rec__echo");
    assertThat(List.of(model, mcp)).allSatisfy(s -> {
      assertThat(s.traceId()).isEqualTo(TRACE);
      assertThat(s.parentSpanId()).isEqualTo(CLIENT_SPAN);
    });
    assertThat(spans).filteredOn(s -> s.kind().equals("SPAN_KIND_CLIENT")).extracting(ReceivedSpan::traceId)
        .hasSizeGreaterThanOrEqualTo(2).containsOnly(TRACE);
    // both upstreams joined the same trace
    assertThat(llm.last().headers().get("traceparent")).startsWith("00-" + TRACE + "-");
    assertThat(upstream.calls.get(0).params().path("_meta").path("traceparent").asText()).startsWith("00-" + TRACE);
  }

  /** One tools/call the recording upstream received. */
  record Recorded(JsonNode params, String traceparentHeader) {}

  /** A session-based Streamable HTTP MCP server (the demo tools) that records each tools/call and its headers. */
  static final class Recorder implements AutoCloseable {
    final Vertx vertx = Vertx.vertx();
    final DemoMcpServer demo = new DemoMcpServer();
    final List<Recorded> calls = new CopyOnWriteArrayList<>();
    final HttpServer server;

    Recorder() throws Exception {
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
            calls.add(new Recorded(msg.path("params"), req.getHeader("traceparent")));
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

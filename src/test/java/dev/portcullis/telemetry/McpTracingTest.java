package dev.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The MCP tracing helper: parents from _meta or headers, mcp.* attributes, traceparent into _meta. */
class McpTracingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
  static final String PARENT = "b7ad6b7169203331";

  final List<SpanData> exported = new CopyOnWriteArrayList<>();
  final SdkTracerProvider provider = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          exported.addAll(spans);
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
          return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
          return CompletableResultCode.ofSuccess();
        }
      })).build();
  final McpTracing tracing = new McpTracing(provider.get("test"), W3CTraceContextPropagator.getInstance());

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void aToolCallJoinsTheTraceInMetaAndPassesItUpstreamInMeta() throws Exception {
    ObjectNode params = (ObjectNode) JSON.readTree("{\"name\":\"search\",\"arguments\":{\"q\":\"x\"},"
        + "\"_meta\":{\"traceparent\":\"00-" + TRACE + "-" + PARENT + "-01\",\"progressToken\":7}}");
    McpTracing.Span server = tracing.server(McpTracing.Request.toolCall("search", IntNode.valueOf(3), "sess-1",
        "2025-11-25"), params, Map.of("traceparent", "00-ffffffffffffffffffffffffffffffff-0000000000000001-01")::get);
    assertThat(server.traceId()).isEqualTo(TRACE); // _meta wins over the HTTP header

    McpTracing.Span client = tracing.client(server, new McpTracing.Request("tools/call", "search", IntNode.valueOf(90),
        "up-sess", null), "tools.internal", 8443);
    ObjectNode upstream = JSON.createObjectNode().put("name", "search");
    upstream.putObject("_meta").put("progressToken", 7);
    client.inject(upstream);
    assertThat(upstream.path("_meta").path("traceparent").asText())
        .isEqualTo("00-" + TRACE + "-" + client.spanId() + "-01");
    assertThat(upstream.path("_meta").path("progressToken").asInt()).isEqualTo(7); // other keys stay
    assertThat(client.headers()).containsEntry("traceparent", "00-" + TRACE + "-" + client.spanId() + "-01");
    client.rpcError(-32603, "upstream failed").end();
    server.end();

    SpanData s = exported.stream().filter(x -> x.getKind() == SpanKind.SERVER).findFirst().orElseThrow();
    assertThat(s.getName()).isEqualTo("tools/call search");
    assertThat(s.getParentSpanId()).isEqualTo(PARENT);
    assertThat(s.getAttributes().get(AttributeKey.stringKey("mcp.method.name"))).isEqualTo("tools/call");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("gen_ai.tool.name"))).isEqualTo("search");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("execute_tool");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("mcp.session.id"))).isEqualTo("sess-1");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("mcp.protocol.version"))).isEqualTo("2025-11-25");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("jsonrpc.request.id"))).isEqualTo("3");
    assertThat(s.getAttributes().get(AttributeKey.stringKey("network.transport"))).isEqualTo("tcp");

    SpanData c = exported.stream().filter(x -> x.getKind() == SpanKind.CLIENT).findFirst().orElseThrow();
    assertThat(c.getParentSpanId()).isEqualTo(s.getSpanId());
    assertThat(c.getTraceId()).isEqualTo(TRACE);
    assertThat(c.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("tools.internal");
    assertThat(c.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(8443L);
    assertThat(c.getAttributes().get(AttributeKey.stringKey("mcp.session.id"))).isEqualTo("up-sess");
    assertThat(c.getAttributes().get(AttributeKey.stringKey("rpc.response.status_code"))).isEqualTo("-32603");
    assertThat(c.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("-32603");
    assertThat(c.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
  }

  @Test
  void withoutMetaTheHttpHeadersOrANewTraceAreUsed() throws Exception {
    McpTracing.Span fromHeader = tracing.server(new McpTracing.Request("resources/read", "file:///a", null, null, null),
        JSON.createObjectNode(), Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01")::get);
    assertThat(fromHeader.traceId()).isEqualTo(TRACE);
    fromHeader.end();
    McpTracing.Span fresh = tracing.server(new McpTracing.Request("tools/list", null, null, null, null), null, null);
    assertThat(fresh.traceId()).isNotEqualTo(TRACE).hasSize(32);
    ObjectNode params = JSON.createObjectNode();
    fresh.inject(params); // creates _meta
    assertThat(params.path("_meta").path("traceparent").asText()).startsWith("00-" + fresh.traceId());
    fresh.end();

    SpanData read = exported.get(0);
    assertThat(read.getName()).isEqualTo("resources/read"); // a URI is no span name (cardinality)
    assertThat(read.getParentSpanId()).isEqualTo(PARENT);
    assertThat(read.getAttributes().get(AttributeKey.stringKey("mcp.resource.uri"))).isEqualTo("file:///a");
    assertThat(exported.get(1).getName()).isEqualTo("tools/list");
    assertThat(exported.get(1).getAttributes().get(AttributeKey.stringKey("network.transport"))).isNull();
  }
}

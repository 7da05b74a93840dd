package dev.portcullis.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import dev.portcullis.testing.OtlpCollector;
import dev.portcullis.testing.OtlpCollector.ReceivedSpan;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Traces of the LLM routes, as a collector receives them over OTLP/HTTP: one server span per
 * call with the GenAI attributes, its parent the client's traceparent; one client span per
 * upstream attempt; and the upstream receives a traceparent of the same trace.
 */
class LlmTracingTest {
  static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String CLIENT_SPAN = "00f067aa0ba902b7";

  static GatewayHarness gateway(FakeOpenAiUpstream fake, OtlpCollector otlp) throws Exception {
    return GatewayHarness.start("""
        models:
          gpt-a:
            deployments:
              - name: fake-1
                type: openai_compatible
                base_url: %s
                model: gpt-4o-mini
        router:
          backoff_initial_ms: 1
          backoff_max_ms: 1
        telemetry:
          service_name: portcullis-test
          otlp:
            endpoint: %s
            headers:
              x-collector-key: k1
        """.formatted(fake.baseUrl(), otlp.endpoint()));
  }

  static HttpResponse<String> chat(GatewayHarness gw, String traceparent, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + GatewayHarness.KEY).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (traceparent != null) {
      b.header("traceparent", traceparent);
    }
    return gw.send(b.build());
  }

  static final String BODY = "{\"model\":\"gpt-a\",\"max_tokens\":64,\"temperature\":0.2,\"messages\":[{\"role\":"
      + "\"user\",\"content\":\"hi\"}]}";

  @Test
  void aCallIsOneServerSpanUnderTheClientsTraceWithAClientSpanPerAttempt() throws Exception {
    try (FakeOpenAiUpstream fake = FakeOpenAiUpstream.start();
        OtlpCollector otlp = OtlpCollector.start();
        GatewayHarness gw = gateway(fake, otlp)) {
      var r = chat(gw, "00-" + TRACE + "-" + CLIENT_SPAN + "-01", BODY);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      List<ReceivedSpan> spans = otlp.awaitSpans(s -> s.size() >= 2);
      ReceivedSpan server = only(spans, "SPAN_KIND_SERVER");
      ReceivedSpan client = only(spans, "SPAN_KIND_CLIENT");

      assertThat(server.service()).isEqualTo("portcullis-test");
      assertThat(server.name()).isEqualTo("chat gpt-a");
      assertThat(server.traceId()).isEqualTo(TRACE);
      assertThat(server.parentSpanId()).isEqualTo(CLIENT_SPAN);
      assertThat(server.attributes()).containsEntry("gen_ai.operation.name", "chat")
          .containsEntry("gen_ai.request.model", "gpt-a")
          .containsEntry("gen_ai.response.model", "gpt-4o-mini")
          .containsEntry("gen_ai.provider.name", "openai_compatible")
          .containsEntry("gen_ai.request.max_tokens", "64")
          .containsEntry("gen_ai.request.temperature", "0.2")
          .containsEntry("gen_ai.usage.input_tokens", "7")
          .containsEntry("gen_ai.usage.output_tokens", "4")
          .containsEntry("http.response.status_code", "200")
          .containsEntry("portcullis.deployment", "fake-1")
          .doesNotContainKey("error.type");
      assertThat(server.attr("portcullis.request_id")).isEqualTo(r.headers().firstValue("x-request-id").orElseThrow());

      assertThat(client.name()).isEqualTo("chat gpt-4o-mini");
      assertThat(client.traceId()).isEqualTo(TRACE);
      assertThat(client.parentSpanId()).isEqualTo(server.spanId());
      assertThat(client.attributes()).containsEntry("gen_ai.provider.name", "openai_compatible")
          .containsEntry("gen_ai.request.model", "gpt-4o-mini")
          .containsEntry("server.address", "127.0.0.1")
          .containsEntry("server.port", Integer.toString(URI.create(fake.baseUrl()).getPort()))
          .containsEntry("http.response.status_code", "200")
          .doesNotContainKey("gen_ai.usage.input_tokens"); // counted once, on the server span

      // the upstream got the attempt span's context
      assertThat(fake.last().headers().get("traceparent")).isEqualTo("00-" + TRACE + "-" + client.spanId() + "-01");
      assertThat(otlp.requestHeaders().get(0).get("x-collector-key")).isEqualTo("k1");

      // a retry: two attempt spans, each sent upstream with its own span id, one trace
      otlp.clear();
      fake.enqueue(FakeOpenAiUpstream.error(500, "server_error", null, "boom"));
      assertThat(chat(gw, "00-" + TRACE + "-" + CLIENT_SPAN + "-01", BODY).statusCode()).isEqualTo(200);
      spans = otlp.awaitSpans(s -> s.size() >= 3);
      List<ReceivedSpan> attempts = spans.stream().filter(s -> s.kind().equals("SPAN_KIND_CLIENT")).toList();
      assertThat(attempts).hasSize(2);
      assertThat(attempts.get(0).attributes()).containsEntry("error.type", "http_500")
          .containsEntry("http.response.status_code", "500");
      assertThat(attempts.get(0).statusCode()).isEqualTo("STATUS_CODE_ERROR");
      assertThat(attempts.get(1).attributes()).containsEntry("http.request.resend_count", "1")
          .doesNotContainKey("error.type");
      List<FakeOpenAiUpstream.Received> last2 = fake.requests().subList(fake.attempts() - 2, fake.attempts());
      assertThat(last2.get(0).headers().get("traceparent")).contains(TRACE).contains(attempts.get(0).spanId());
      assertThat(last2.get(1).headers().get("traceparent")).contains(TRACE).contains(attempts.get(1).spanId());
      assertThat(only(spans, "SPAN_KIND_SERVER").attributes()).containsEntry("portcullis.attempts", "2");

      // a stream: the response model is read from the first event
      otlp.clear();
      fake.enqueue(FakeOpenAiUpstream.stream(3));
      var streamed = chat(gw, null, "{\"model\":\"gpt-a\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
      assertThat(streamed.body()).contains("[DONE]");
      ReceivedSpan s = only(otlp.awaitSpans(x -> x.size() >= 2), "SPAN_KIND_SERVER");
      assertThat(s.parentSpanId()).isEmpty(); // no traceparent from the client: a new trace
      assertThat(s.attributes()).containsEntry("gen_ai.request.stream", "true")
          .containsEntry("gen_ai.response.model", "gpt-4o-mini").containsEntry("gen_ai.usage.output_tokens", "3");
      assertThat(fake.last().headers().get("traceparent")).startsWith("00-" + s.traceId() + "-");

      // refused before the proxy (unknown model): still a span, with the status as error.type
      otlp.clear();
      assertThat(chat(gw, null, "{\"model\":\"nope\",\"messages\":[]}").statusCode()).isEqualTo(404);
      ReceivedSpan refused = only(otlp.awaitSpans(x -> !x.isEmpty()), "SPAN_KIND_SERVER");
      assertThat(refused.attributes()).containsEntry("error.type", "404").containsEntry("gen_ai.operation.name", "chat");

      // a client's unsampled trace: nothing recorded, but the upstream still joins the client's trace
      otlp.clear();
      int before = fake.attempts();
      assertThat(chat(gw, "00-" + TRACE + "-" + CLIENT_SPAN + "-00", BODY).statusCode()).isEqualTo(200);
      assertThat(fake.attempts()).isEqualTo(before + 1);
      assertThat(fake.last().headers().get("traceparent")).startsWith("00-" + TRACE + "-").endsWith("-00");
      gw.gateway().telemetry().flush();
      assertThat(otlp.spans()).isEmpty();
    }
  }

  @Test
  void withoutTelemetryNothingIsTracedOrPropagated() throws Exception {
    try (FakeOpenAiUpstream fake = FakeOpenAiUpstream.start();
        GatewayHarness gw = GatewayHarness.start("""
            models:
              gpt-a:
                deployments:
                  - type: openai_compatible
                    base_url: %s
            """.formatted(fake.baseUrl()))) {
      assertThat(gw.gateway().telemetry().llm()).isNull();
      assertThat(chat(gw, "00-" + TRACE + "-" + CLIENT_SPAN + "-01", BODY).statusCode()).isEqualTo(200);
      assertThat(fake.last().headers().get("traceparent")).isNull();
    }
  }

  static ReceivedSpan only(List<ReceivedSpan> spans, String kind) {
    List<ReceivedSpan> of = spans.stream().filter(s -> s.kind().equals(kind)).toList();
    assertThat(of).as("%s spans in %s", kind, spans).hasSize(1);
    return of.get(0);
  }
}

package dev.portcullis.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.CallTrace;
import dev.portcullis.llm.Deployment;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.UpstreamRequest;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/**
 * Traces of the LLM routes, with the OpenTelemetry GenAI semantic conventions.
 *
 * <p>One SERVER span per client request, named {@code {gen_ai.operation.name} {gen_ai.request.model}}
 * and covering the whole logical call, retries and fallbacks included; its parent is the client's
 * {@code traceparent} when there is one. It carries what the client asked for
 * ({@code gen_ai.request.model, .max_tokens, .temperature, .top_p}) and what it got
 * ({@code gen_ai.response.model}, {@code gen_ai.usage.input_tokens/output_tokens},
 * {@code gen_ai.provider.name} of the deployment that answered, {@code error.type}).
 *
 * <p>Under it, one CLIENT span per upstream attempt ({@code gen_ai.provider.name},
 * {@code gen_ai.request.model} as sent upstream, {@code server.address}, {@code server.port},
 * {@code http.response.status_code}, {@code error.type}); its context goes upstream as
 * {@code traceparent}. Token counts are on the server span only, so that nothing is counted twice.
 */
public final class LlmTracing {
  static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Function<String, String> carrier) {
      return List.of("traceparent", "tracestate");
    }

    @Override
    public String get(Function<String, String> carrier, String key) {
      return carrier == null ? null : carrier.apply(key);
    }
  };
  static final TextMapSetter<MultiMap> SET_HEADER = (carrier, key, value) -> {
    if (carrier != null) {
      carrier.set(key, value);
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  LlmTracing(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /**
   * Starts the server span of a request on an LLM route.
   *
   * @param headers the request's headers, by (lower-case) name
   * @param path the request path (/v1/chat/completions...)
   */
  public Call start(Function<String, String> headers, String method, String path, String requestId) {
    Context parent = propagator.extract(Context.root(), headers, HEADERS);
    String operation = operation(path);
    Span span = tracer.spanBuilder(operation).setSpanKind(SpanKind.SERVER).setParent(parent)
        .setAttribute("gen_ai.operation.name", operation)
        .setAttribute("http.request.method", method)
        .setAttribute("url.path", path)
        .setAttribute("portcullis.request_id", requestId)
        .startSpan();
    return new Call(span, operation);
  }

  /** gen_ai.operation.name for a route. */
  static String operation(String path) {
    if (path.endsWith("/count_tokens")) {
      return "count_tokens";
    }
    if (path.endsWith("/chat/completions") || path.endsWith("/messages")) {
      return "chat";
    }
    if (path.endsWith("/embeddings")) {
      return "embeddings";
    }
    if (path.endsWith("/completions")) {
      return "text_completion";
    }
    int slash = path.lastIndexOf('/');
    return slash >= 0 ? path.substring(slash + 1) : path;
  }

  /** gen_ai.provider.name for a deployment type (the well-known values; otherwise the type itself). */
  static String provider(String type) {
    if (type == null) {
      return null;
    }
    return switch (type) {
      case "azure" -> "azure.ai.openai";
      case "gemini" -> "gcp.gemini";
      case "bedrock" -> "aws.bedrock";
      default -> type; // openai, anthropic, openai_compatible, demo
    };
  }

  /** The value of the first {@code "model"} key in a JSON answer (or SSE event), or null. */
  static String modelIn(Buffer first) {
    if (first == null) {
      return null;
    }
    int n = Math.min(first.length(), 4096);
    String s = first.getString(0, n, StandardCharsets.UTF_8.name());
    int k = s.indexOf("\"model\"");
    if (k < 0) {
      return null;
    }
    int i = k + 7;
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == ':')) {
      i++;
    }
    if (i >= s.length() || s.charAt(i) != '"') {
      return null;
    }
    int end = s.indexOf('"', i + 1);
    return end < 0 || end - i > 200 ? null : s.substring(i + 1, end);
  }

  /** The trace of one call: its server span and its attempts' client spans. */
  public final class Call implements CallTrace {
    private final Span span;
    private final String operation;
    private boolean routed;
    private boolean ended;
    private boolean answered;

    Call(Span span, String operation) {
      this.span = span;
      this.operation = operation;
    }

    /** The trace id (32 hex digits), also when the span is not sampled. */
    public String traceId() {
      return span.getSpanContext().getTraceId();
    }

    /** The server span (for helpers that start child spans). */
    public Span span() {
      return span;
    }

    @Override
    public void routed(LlmRequest request) {
      routed = true;
      if (!span.isRecording()) {
        return;
      }
      span.updateName(operation + " " + request.model());
      span.setAttribute("gen_ai.request.model", request.model());
      JsonNode body = request.body();
      if (body != null) {
        JsonNode max = body.has("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
        if (max != null && max.canConvertToLong()) {
          span.setAttribute("gen_ai.request.max_tokens", max.asLong());
        }
        number(body, "temperature", "gen_ai.request.temperature");
        number(body, "top_p", "gen_ai.request.top_p");
        number(body, "frequency_penalty", "gen_ai.request.frequency_penalty");
        number(body, "presence_penalty", "gen_ai.request.presence_penalty");
      }
      if (request.stream()) {
        span.setAttribute("gen_ai.request.stream", true);
      }
    }

    private void number(JsonNode body, String field, String attribute) {
      JsonNode v = body.get(field);
      if (v != null && v.isNumber()) {
        span.setAttribute(attribute, v.asDouble());
      }
    }

    @Override
    public Attempt attempt(Deployment d, UpstreamRequest request, int number) {
      String model = d.upstreamModel();
      var b = tracer.spanBuilder(operation + " " + model).setSpanKind(SpanKind.CLIENT)
          .setParent(Context.root().with(span))
          .setAttribute("gen_ai.operation.name", operation)
          .setAttribute("gen_ai.request.model", model)
          .setAttribute("http.request.method", "POST")
          .setAttribute("portcullis.deployment", d.name());
      String provider = provider(d.provider());
      if (provider != null) {
        b.setAttribute("gen_ai.provider.name", provider);
      }
      if (number > 1) {
        b.setAttribute("http.request.resend_count", (long) number - 1);
      }
      try {
        URI u = URI.create(request.absoluteUri());
        if (u.getHost() != null) {
          b.setAttribute("server.address", u.getHost());
          int port = u.getPort() > 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
          b.setAttribute("server.port", (long) port);
        }
      } catch (IllegalArgumentException e) {
        // no server attributes for a URI we cannot read
      }
      Span attempt = b.startSpan();
      propagator.inject(Context.root().with(attempt), request.headers(), SET_HEADER);
      return (status, errorType) -> {
        if (status > 0) {
          attempt.setAttribute("http.response.status_code", (long) status);
        }
        if (errorType != null) {
          attempt.setAttribute("error.type", errorType);
          attempt.setStatus(StatusCode.ERROR);
        }
        attempt.end();
      };
    }

    @Override
    public void answer(Buffer first) {
      if (answered || !span.isRecording()) {
        return;
      }
      answered = true;
      String model = modelIn(first);
      if (model != null) {
        span.setAttribute("gen_ai.response.model", model);
      }
    }

    @Override
    public void finished(CallSummary s) {
      if (ended) {
        return;
      }
      if (span.isRecording()) {
        if (s.deployment() != null) {
          String provider = provider(s.deployment().provider());
          if (provider != null) {
            span.setAttribute("gen_ai.provider.name", provider);
          }
          span.setAttribute("portcullis.deployment", s.deployment().name());
        }
        if (s.usage().promptTokens() > 0 || s.usage().completionTokens() > 0) {
          span.setAttribute("gen_ai.usage.input_tokens", s.usage().promptTokens());
          span.setAttribute("gen_ai.usage.output_tokens", s.usage().completionTokens());
        }
        span.setAttribute("portcullis.attempts", (long) s.attempts());
        boolean ok = "ok".equals(s.outcome());
        end(s.status(), ok ? null : s.outcome(), !ok && (s.status() >= 500 || s.status() < 400));
        return;
      }
      end(s.status(), null, false);
    }

    /**
     * The response ended. Calls the proxy took are ended by {@link #finished}; others (refused
     * by authentication, the guard, limits; answered locally) end here.
     */
    public void responseEnded(int status) {
      if (routed || ended) {
        return;
      }
      end(status, status >= 400 ? Integer.toString(status) : null, status >= 500);
    }

    private void end(int status, String errorType, boolean error) {
      ended = true;
      if (span.isRecording()) {
        span.setAttribute("http.response.status_code", (long) status);
        if (errorType != null) {
          span.setAttribute("error.type", errorType);
        }
        if (error) {
          span.setStatus(StatusCode.ERROR);
        }
      }
      span.end();
    }
  }
}

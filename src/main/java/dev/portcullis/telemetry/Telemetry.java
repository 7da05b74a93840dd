package dev.portcullis.telemetry;

import dev.portcullis.config.TelemetryConfig;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OpenTelemetry for the gateway: traces (GenAI conventions on the LLM routes, MCP conventions
 * for tool calls) and, when the audit trail asks for it, audit events as log records, both sent
 * over OTLP/HTTP (protobuf) to {@code telemetry.otlp.endpoint}. Built once by the composition
 * root. Without {@code telemetry.otlp} nothing is built: {@link #llm()} and {@link #mcp()} are
 * null and the request path does no tracing work at all.
 *
 * <p>Sampling: a client's traceparent decides (a sampled parent is always followed, an unsampled
 * one never); new traces are kept with probability {@code sample_ratio}. Only W3C Trace Context
 * ({@code traceparent}, {@code tracestate}) is read and written.
 */
public final class Telemetry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
  /** The instrumentation scope of every span and log record the gateway makes. */
  public static final String SCOPE = "dev.portcullis";

  private final SdkTracerProvider tracerProvider;
  private final SdkLoggerProvider loggerProvider;
  private final LlmTracing llm;
  private final McpTracing mcp;

  private Telemetry(SdkTracerProvider tracerProvider, SdkLoggerProvider loggerProvider) {
    this.tracerProvider = tracerProvider;
    this.loggerProvider = loggerProvider;
    TextMapPropagator w3c = W3CTraceContextPropagator.getInstance();
    Tracer tracer = tracerProvider == null ? null : tracerProvider.get(SCOPE);
    this.llm = tracer == null ? null : new LlmTracing(tracer, w3c);
    this.mcp = tracer == null ? null : new McpTracing(tracer, w3c);
  }

  /** Nothing exported, nothing traced. */
  public static Telemetry off() {
    return new Telemetry(null, null);
  }

  /**
   * Starts the exporters the configuration asks for.
   *
   * @param auditLogs also export audit events as OTLP log records (audit.otel_logs)
   */
  public static Telemetry start(TelemetryConfig config, boolean auditLogs) {
    TelemetryConfig.Otlp otlp = config.otlp();
    if (otlp == null || otlp.endpoint() == null || otlp.endpoint().isBlank()) {
      return off();
    }
    String base = otlp.endpoint().endsWith("/") ? otlp.endpoint().substring(0, otlp.endpoint().length() - 1)
        : otlp.endpoint();
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", config.serviceName())
        .put("service.version", version())
        .build()));
    var spans = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
        .setTimeout(Duration.ofMillis(otlp.timeoutMs()));
    otlp.headers().forEach(spans::addHeader);
    SdkTracerProvider tracer = SdkTracerProvider.builder()
        .setResource(resource)
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(config.sampleRatio())))
        .addSpanProcessor(BatchSpanProcessor.builder(spans.build())
            .setScheduleDelay(Duration.ofMillis(500))
            .setMaxQueueSize(8192)
            .build())
        .build();
    SdkLoggerProvider logs = null;
    if (auditLogs) {
      var exporter = OtlpHttpLogRecordExporter.builder().setEndpoint(base + "/v1/logs")
          .setTimeout(Duration.ofMillis(otlp.timeoutMs()));
      otlp.headers().forEach(exporter::addHeader);
      logs = SdkLoggerProvider.builder()
          .setResource(resource)
          .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter.build())
              .setScheduleDelay(Duration.ofMillis(500))
              .setMaxQueueSize(4096)
              .setMaxExportBatchSize(512)
              .build())
          .build();
    }
    LOG.atInfo().addKeyValue("endpoint", base).addKeyValue("sample_ratio", config.sampleRatio())
        .addKeyValue("audit_logs", auditLogs).log("OpenTelemetry export on");
    return new Telemetry(tracer, logs);
  }

  private static String version() {
    String v = Telemetry.class.getPackage() == null ? null : Telemetry.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Tracing of the LLM routes, or null when tracing is off. */
  public LlmTracing llm() {
    return llm;
  }

  /** Tracing helpers for the MCP surface, or null when tracing is off. */
  public McpTracing mcp() {
    return mcp;
  }

  /** The log pipeline for audit events, or null when audit.otel_logs is off (or there is no OTLP endpoint). */
  public SdkLoggerProvider auditLogs() {
    return loggerProvider;
  }

  /** Sends what is queued (tests and shutdown). */
  public void flush() {
    if (tracerProvider != null) {
      tracerProvider.forceFlush().join(10, TimeUnit.SECONDS);
    }
    if (loggerProvider != null) {
      loggerProvider.forceFlush().join(10, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    if (tracerProvider != null) {
      tracerProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
    if (loggerProvider != null) {
      loggerProvider.shutdown().join(10, TimeUnit.SECONDS);
    }
  }
}

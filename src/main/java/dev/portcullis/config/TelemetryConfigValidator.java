package dev.portcullis.config;

import java.net.URI;
import java.util.List;

/** Checks the {@code telemetry} and {@code metrics} sections and the audit export sinks. */
final class TelemetryConfigValidator {
  private TelemetryConfigValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    TelemetryConfig t = c.telemetry();
    if (t.sampleRatio() < 0 || t.sampleRatio() > 1) {
      problems.add("telemetry.sample_ratio: must be between 0 and 1, got " + t.sampleRatio());
    }
    if (t.otlp() != null) {
      httpUrl("telemetry.otlp.endpoint", t.otlp().endpoint(), problems);
      if (t.otlp().timeoutMs() <= 0) {
        problems.add("telemetry.otlp.timeout_ms: must be positive, got " + t.otlp().timeoutMs());
      }
    }
    MetricsConfig.Auth m = c.metrics().auth();
    if (m != null) {
      if (!MetricsConfig.BEARER.equals(m.type())) {
        problems.add("metrics.auth.type: must be " + MetricsConfig.BEARER + ", got '" + m.type() + "'");
      }
      if (m.token() == null || m.token().isBlank()) {
        problems.add("metrics.auth.token: required (an empty ${ENV} leaves /metrics without a credential)");
      }
    }
    AuditConfig a = c.audit();
    if (a.flushMs() <= 0) {
      problems.add("audit.flush_ms: must be positive, got " + a.flushMs());
    }
    if (a.file() != null) {
      if (a.file().path() == null || a.file().path().isBlank()) {
        problems.add("audit.file.path: required (a file; relative to the configuration file)");
      }
      if (a.file().maxBytes() <= 0) {
        problems.add("audit.file.max_bytes: must be positive, got " + a.file().maxBytes());
      }
      if (a.file().maxFiles() <= 0) {
        problems.add("audit.file.max_files: must be positive, got " + a.file().maxFiles());
      }
    }
    if (a.syslog() != null) {
      if (a.syslog().host() == null || a.syslog().host().isBlank()) {
        problems.add("audit.syslog.host: required");
      }
      if (a.syslog().port() <= 0 || a.syslog().port() > 65535) {
        problems.add("audit.syslog.port: must be between 1 and 65535, got " + a.syslog().port());
      }
      if (!"udp".equalsIgnoreCase(a.syslog().protocol()) && !"tcp".equalsIgnoreCase(a.syslog().protocol())) {
        problems.add("audit.syslog.protocol: must be udp or tcp, got '" + a.syslog().protocol() + "'");
      }
    }
    if (a.webhook() != null) {
      httpUrl("audit.webhook.url", a.webhook().url(), problems);
      if (a.webhook().batchSize() <= 0) {
        problems.add("audit.webhook.batch_size: must be positive, got " + a.webhook().batchSize());
      }
      if (a.webhook().maxAttempts() <= 0) {
        problems.add("audit.webhook.max_attempts: must be positive, got " + a.webhook().maxAttempts());
      }
    }
    if (a.otelLogs() && (t.otlp() == null || t.otlp().endpoint() == null)) {
      problems.add("audit.otel_logs: needs telemetry.otlp.endpoint (where to send the log records)");
    }
    if (!a.sinks().isEmpty() && c.store() == null) {
      problems.add("audit: the audit trail needs a store (store.url); export sinks " + a.sinks()
          + " only send what the store committed");
    }
  }

  private static void httpUrl(String field, String value, List<String> problems) {
    if (value == null || value.isBlank()) {
      problems.add(field + ": required");
      return;
    }
    try {
      URI u = URI.create(value);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        problems.add(field + ": must be an absolute http(s) URL, got '" + value + "'");
      }
    } catch (IllegalArgumentException e) {
      problems.add(field + ": not a valid URL: " + e.getMessage());
    }
  }
}

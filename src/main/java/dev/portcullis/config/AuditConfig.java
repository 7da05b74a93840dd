package dev.portcullis.config;

import java.util.List;
import java.util.Map;

/**
 * The {@code audit} section. The audit trail is written to the store whenever there is one;
 * this section tunes batching and adds export sinks.
 *
 * @param enabled false to keep no audit trail even with a store
 * @param flushMs how often batched (LLM) audit events are written
 * @param file a JSON-lines file export with rotation
 * @param syslog RFC 5424 syslog export (UDP or TCP)
 * @param webhook HTTP POST export (JSON array batches) for SIEMs
 * @param otelLogs also export audit events as OpenTelemetry log records (needs telemetry.otlp)
 * @param chainKey the HMAC key of the event chain, inline or {@code file:PATH}; null: a key file
 *     beside a SQLite store's file (a PostgreSQL store needs it set)
 * @param previousChainKeys keys used before a rotation: they only verify the events they chained
 * @param checkpoints signed checkpoints of the chain's head, sent to the sinks
 */
public record AuditConfig(Boolean enabled, Long flushMs, FileSink file, SyslogSink syslog, WebhookSink webhook,
    Boolean otelLogs, String chainKey, List<String> previousChainKeys, Checkpoints checkpoints) {
  public AuditConfig {
    enabled = enabled == null ? Boolean.TRUE : enabled;
    flushMs = flushMs == null ? 200L : flushMs;
    otelLogs = otelLogs == null ? Boolean.FALSE : otelLogs;
    previousChainKeys = previousChainKeys == null ? List.of() : List.copyOf(previousChainKeys);
    checkpoints = checkpoints == null ? new Checkpoints(null, null, null, null) : checkpoints;
  }

  public static AuditConfig defaults() {
    return new AuditConfig(null, null, null, null, null, null, null, null, null);
  }

  /**
   * When the chain's head is checkpointed: after {@code everyEvents} events or {@code everySeconds}
   * seconds, whichever comes first (only when the head moved), and when the gateway stops.
   *
   * @param signingKey a private EC P-256 JWK, inline or {@code file:PATH}; null: a key file beside a
   *     SQLite store's file (a PostgreSQL store needs it set)
   * @param previousPublicKeys public JWKs (inline or {@code file:PATH}) of signing keys used before a
   *     rotation: they only verify the checkpoints they signed
   */
  public record Checkpoints(Long everyEvents, Long everySeconds, String signingKey, List<String> previousPublicKeys) {
    public Checkpoints {
      everyEvents = everyEvents == null ? 1000L : everyEvents;
      everySeconds = everySeconds == null ? 60L : everySeconds;
      previousPublicKeys = previousPublicKeys == null ? List.of() : List.copyOf(previousPublicKeys);
    }
  }

  /** JSON lines; the file is rotated (file.1, file.2...) past {@code maxBytes}, keeping {@code maxFiles}. */
  public record FileSink(String path, Long maxBytes, Integer maxFiles) {
    public FileSink {
      maxBytes = maxBytes == null ? 100L * 1024 * 1024 : maxBytes;
      maxFiles = maxFiles == null ? 10 : maxFiles;
    }
  }

  /** Syslog (RFC 5424, one JSON event per message). */
  public record SyslogSink(String host, Integer port, String protocol, String appName) {
    public SyslogSink {
      port = port == null ? 514 : port;
      protocol = protocol == null ? "udp" : protocol;
      appName = appName == null ? "portcullis" : appName;
    }
  }

  /**
   * HTTP POST of JSON arrays of events.
   *
   * @param secret HMAC-SHA-256 key of the X-Portcullis-Signature header (none: unsigned)
   * @param maxAttempts tries per batch (retries on connection failures, 408, 429, 5xx)
   */
  public record WebhookSink(String url, Map<String, String> headers, Integer batchSize, String secret,
      Integer maxAttempts) {
    public WebhookSink {
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      batchSize = batchSize == null ? 100 : batchSize;
      maxAttempts = maxAttempts == null ? 5 : maxAttempts;
    }

    public WebhookSink(String url, Map<String, String> headers, Integer batchSize) {
      this(url, headers, batchSize, null, null);
    }
  }

  /** Sinks configured, for validation messages. */
  public List<String> sinks() {
    return java.util.stream.Stream.of(file == null ? null : "file", syslog == null ? null : "syslog",
        webhook == null ? null : "webhook", otelLogs ? "otel_logs" : null).filter(java.util.Objects::nonNull)
        .toList();
  }
}

package dev.portcullis.audit;

import dev.portcullis.config.AuditConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The audit trail's parts, built from the {@code audit} section over the store. Part of the composition root. */
public final class AuditModule implements AutoCloseable {
  private final AuditRepository repository;
  private final AuditWriter writer;
  private final LlmAuditor llm;

  private AuditModule(AuditRepository repository, AuditWriter writer) {
    this.repository = repository;
    this.writer = writer;
    this.llm = new LlmAuditor(writer);
  }

  public static AuditModule start(AuditConfig config, DataSource ds, boolean sqlite) {
    return start(config, ds, sqlite, null, QueuedSink.Drops.NONE);
  }

  /**
   * @param otelLogs the OpenTelemetry log pipeline for {@code audit.otel_logs}, or null
   * @param drops counts what the export sinks drop (a metric)
   */
  public static AuditModule start(AuditConfig config, DataSource ds, boolean sqlite,
      io.opentelemetry.sdk.logs.SdkLoggerProvider otelLogs, QueuedSink.Drops drops) {
    List<AuditSink> sinks = new ArrayList<>();
    if (config.file() != null && config.file().path() != null) {
      sinks.add(new JsonLinesFileSink(Path.of(config.file().path()), config.file().maxBytes(),
          config.file().maxFiles()));
    }
    if (config.syslog() != null && config.syslog().host() != null) {
      sinks.add(new SyslogAuditSink(config.syslog(), drops));
    }
    if (config.webhook() != null && config.webhook().url() != null) {
      sinks.add(new WebhookAuditSink(config.webhook(), drops));
    }
    if (config.otelLogs() && otelLogs != null) {
      sinks.add(new OtelLogAuditSink(otelLogs, drops));
    }
    AuditRepository repo = new AuditRepository(ds, sqlite);
    return new AuditModule(repo, new AuditWriter(repo, sinks, config.flushMs()));
  }

  public AuditRepository repository() {
    return repository;
  }

  public AuditWriter writer() {
    return writer;
  }

  public LlmAuditor llm() {
    return llm;
  }

  @Override
  public void close() {
    writer.close();
  }
}

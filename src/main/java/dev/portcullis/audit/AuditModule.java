package dev.portcullis.audit;

import dev.portcullis.config.AuditConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/** The audit trail's parts, built from the {@code audit} section over the store. Part of the composition root. */
public final class AuditModule implements AutoCloseable {
  private final AuditRepository repository;
  private final AuditKeys keys;
  private final AuditWriter writer;

  private AuditModule(AuditRepository repository, AuditKeys keys, AuditWriter writer) {
    this.repository = repository;
    this.keys = keys;
    this.writer = writer;
  }

  /**
   * @param storeUrl the store's JDBC URL (default key files live beside a SQLite store's file)
   * @param otelLogs the OpenTelemetry log pipeline for {@code audit.otel_logs}, or null
   * @param drops counts what the export sinks drop (a metric)
   * @throws AuditKeyException when a key is missing or unusable (nothing is started then)
   */
  public static AuditModule start(AuditConfig config, String storeUrl, DataSource ds, boolean sqlite,
      io.opentelemetry.sdk.logs.SdkLoggerProvider otelLogs, QueuedSink.Drops drops) {
    AuditRepository repo = new AuditRepository(ds, sqlite);
    // key files are created only for a trail that no key has chained yet: a lost key is an error
    AuditKeys keys = AuditKeys.resolve(config, storeUrl, !repo.keyed());
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
    Checkpointer checkpoints = new Checkpointer(keys.signer(), config.checkpoints().everyEvents(),
        config.checkpoints().everySeconds() * 1000, System.currentTimeMillis());
    return new AuditModule(repo, keys, new AuditWriter(repo, keys.chain().current(), checkpoints, sinks,
        config.flushMs()));
  }

  public AuditRepository repository() {
    return repository;
  }

  /** Verifies the trail with this gateway's keys. */
  public ChainVerifier verifier() {
    return new ChainVerifier(repository, keys.chain(), keys.signer());
  }

  /** The checkpoint signing key (its public half is what auditors verify with). */
  public CheckpointSigner signer() {
    return keys.signer();
  }

  public AuditWriter writer() {
    return writer;
  }

  @Override
  public void close() {
    writer.close();
  }
}

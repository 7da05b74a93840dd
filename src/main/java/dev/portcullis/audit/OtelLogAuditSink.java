package dev.portcullis.audit;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.logs.LogRecordBuilder;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Exports audit events as OpenTelemetry log records (OTLP, through the gateway's telemetry
 * pipeline): event name {@code portcullis.audit}, the event as JSON in the body, its main fields
 * as {@code portcullis.audit.*} attributes, severity INFO (WARN for a denial), timestamp the
 * event's. Each batch is flushed before the next is taken, so a slow collector backs up into this
 * sink's bounded queue (and is counted there), never into the audit writer. A checkpoint is a
 * record named {@code portcullis.audit.checkpoint} with the checkpoint as JSON in the body.
 */
public final class OtelLogAuditSink extends QueuedSink {
  private final SdkLoggerProvider provider;
  private final Logger logger;

  public OtelLogAuditSink(SdkLoggerProvider provider, Drops drops) {
    super("otel_logs", DEFAULT_CAPACITY, 512, drops);
    this.provider = provider;
    this.logger = provider.get("dev.portcullis.audit");
    startThread();
  }

  @Override
  protected void send(List<AuditRecord> batch) throws Exception {
    for (AuditRecord rec : batch) {
      if (rec instanceof Checkpoint cp) {
        logger.logRecordBuilder().setTimestamp(cp.ts(), TimeUnit.MILLISECONDS).setSeverity(Severity.INFO2)
            .setSeverityText("NOTICE").setEventName("portcullis.audit.checkpoint").setBody(AuditJson.line(cp))
            .setAttribute(AttributeKey.longKey("portcullis.audit.seq"), cp.seq())
            .setAttribute(AttributeKey.stringKey("portcullis.audit.hash"), cp.hash()).emit();
        continue;
      }
      AuditEvent e = (AuditEvent) rec;
      boolean deny = "deny".equals(e.decision());
      LogRecordBuilder r = logger.logRecordBuilder()
          .setTimestamp(e.ts(), TimeUnit.MILLISECONDS)
          .setSeverity(deny ? Severity.WARN : Severity.INFO)
          .setSeverityText(deny ? "WARN" : "INFO")
          .setEventName("portcullis.audit")
          .setBody(AuditJson.line(e))
          .setAttribute(AttributeKey.longKey("portcullis.audit.seq"), e.seq());
      put(r, "portcullis.audit.id", e.id());
      put(r, "portcullis.audit.phase", e.phase());
      put(r, "portcullis.audit.surface", e.surface());
      put(r, "portcullis.audit.action", e.action());
      put(r, "portcullis.audit.target", e.target());
      put(r, "portcullis.audit.principal", e.principal());
      put(r, "portcullis.audit.decision", e.decision());
      put(r, "portcullis.audit.outcome", e.outcome());
      put(r, "portcullis.audit.guard_findings", e.guardFindings());
      put(r, "portcullis.audit.hash", e.hash());
      put(r, "portcullis.trace_id", e.traceId());
      if (e.status() != null) {
        r.setAttribute(AttributeKey.longKey("portcullis.audit.status"), e.status().longValue());
      }
      r.emit();
    }
    CompletableResultCode flushed = provider.forceFlush().join(30, TimeUnit.SECONDS);
    if (!flushed.isSuccess()) {
      throw new IOException("the OTLP log export failed or timed out");
    }
  }

  private static void put(LogRecordBuilder r, String key, String value) {
    if (value != null) {
      r.setAttribute(AttributeKey.stringKey(key), value);
    }
  }
}

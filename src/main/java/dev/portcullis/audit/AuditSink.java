package dev.portcullis.audit;

import java.util.List;

/**
 * Receives events once they are committed to the store, and the checkpoints of the chain after
 * the events they cover (file, syslog, webhook, OpenTelemetry logs).
 */
public interface AuditSink extends AutoCloseable {
  /** Called on the audit writer's thread, in chain order; must not block for long. */
  void accept(List<? extends AuditRecord> records);

  @Override
  default void close() {}
}

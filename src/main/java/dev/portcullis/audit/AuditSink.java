package dev.portcullis.audit;

import java.util.List;

/** Receives events once they are committed to the store (file, syslog, webhook, OpenTelemetry logs). */
public interface AuditSink extends AutoCloseable {
  /** Called on the audit writer's thread, in chain order; must not block for long. */
  void accept(List<AuditEvent> events);

  @Override
  default void close() {}
}

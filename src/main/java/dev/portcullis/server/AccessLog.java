package dev.portcullis.server;

import dev.portcullis.llm.CallSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One structured JSON log line per LLM request (the appender is asynchronous). */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.access");

  private final boolean enabled;

  public AccessLog(boolean enabled) {
    this.enabled = enabled && LOG.isInfoEnabled();
  }

  public void log(CallSummary s) {
    if (!enabled) {
      return;
    }
    LOG.atInfo()
        .addKeyValue("request_id", s.requestId())
        .addKeyValue("endpoint", s.endpoint().path())
        .addKeyValue("model", s.model())
        .addKeyValue("deployment", s.deployment() == null ? null : s.deployment().name())
        .addKeyValue("provider", s.deployment() == null ? null : s.deployment().provider())
        .addKeyValue("status", s.status())
        .addKeyValue("outcome", s.outcome())
        .addKeyValue("stream", s.stream())
        .addKeyValue("attempts", s.attempts())
        .addKeyValue("duration_ms", s.durationNanos() / 1_000_000.0)
        .addKeyValue("prompt_tokens", s.usage().promptTokens())
        .addKeyValue("completion_tokens", s.usage().completionTokens())
        .addKeyValue("usage_estimated", s.usage().estimated())
        .log("llm request");
  }
}

package dev.portcullis.pipeline;

import dev.portcullis.audit.AuditWriter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * The write-ahead half of the audit trail (DESIGN §5): a tool call leaves the gateway only once
 * its {@code started} event is committed, so a tool that acted is never missing from the trail,
 * even after a crash. If the trail cannot commit, the call is refused, not sent. The
 * {@link AuditStage} writes the matching {@code completed} event.
 */
public final class WriteAheadStage implements Stage {
  private final AuditWriter writer;
  private final CallEvents events;

  /** @param forAudit what the trail may keep of a text a client sent (the guard's hashing of detected values) */
  public WriteAheadStage(AuditWriter writer, UnaryOperator<String> forAudit) {
    this.writer = writer;
    this.events = new CallEvents(forAudit);
  }

  @Override
  public String name() {
    return "write-ahead";
  }

  @Override
  public Future<Void> admit(Call call) {
    if (call.item() == null || !call.item().toolCall()) {
      return Future.succeededFuture();
    }
    return onContext(writer.commit(events.started(call))).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(Refused.notRecorded("The call was not sent: the audit trail could not record it"));
      }
      call.wroteAhead(true);
      return Future.succeededFuture();
    });
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // the audit stage writes how the call ended
  }

  /** The commit's completion, back on the caller's event loop when it has one. */
  static <T> Future<T> onContext(CompletionStage<T> stage) {
    Context c = Vertx.currentContext();
    return c == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, c);
  }
}

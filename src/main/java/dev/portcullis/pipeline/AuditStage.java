package dev.portcullis.pipeline;

import dev.portcullis.audit.AuditWriter;
import io.vertx.core.Future;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of every call: one event per call, whatever its outcome, in one shape for every
 * surface ({@link CallEvents}). Model calls' events are batched (DESIGN §5). A tool call whose
 * start was committed ahead ({@link WriteAheadStage}) gets its {@code completed} event committed
 * before the answer goes to the client, so nothing the client was told is missing from the trail
 * after a crash. The call itself cannot be undone, so a failed commit is logged and the answer
 * still given. A call that only reached an item (a completion, a subscription) is recorded only
 * when it was refused.
 */
public final class AuditStage implements Stage {
  private static final Logger LOG = LoggerFactory.getLogger(AuditStage.class);

  private final AuditWriter writer;
  private final CallEvents events;

  /** The trail of model calls, whose targets (model names) are kept as they are. */
  public AuditStage(AuditWriter writer) {
    this(writer, UnaryOperator.identity());
  }

  /** @param forAudit what the trail may keep of a text a client sent (the guard's hashing of detected values) */
  public AuditStage(AuditWriter writer, UnaryOperator<String> forAudit) {
    this.writer = writer;
    this.events = new CallEvents(forAudit);
  }

  @Override
  public String name() {
    return "audit";
  }

  @Override
  public Future<Void> admit(Call call) {
    return Future.succeededFuture();
  }

  @Override
  public boolean recordsRejections() {
    return true;
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    finishing(call, outcome);
  }

  @Override
  public Future<Void> finishing(Call call, Outcome outcome) {
    if (call.item() != null && call.item().reachOnly() && outcome.refused() == null) {
      return Future.succeededFuture();
    }
    if (!call.wroteAhead()) {
      writer.record(events.finished(call, outcome));
      return Future.succeededFuture();
    }
    return WriteAheadStage.onContext(writer.commit(events.finished(call, outcome))).transform(c -> {
      if (c.failed()) {
        LOG.warn("could not commit the completed audit event {}: {}", call.requestId(), c.cause().toString());
      }
      return Future.succeededFuture();
    });
  }
}

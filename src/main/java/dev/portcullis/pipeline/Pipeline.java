package dev.portcullis.pipeline;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs calls through the stages: admits in order, and finishes the admitted stages in reverse
 * order exactly once, on every path (see {@link Stage} for the contract). Knows nothing about
 * HTTP or wire formats. Shared by every event loop; holds no per-call state.
 */
public final class Pipeline {
  private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

  private final List<Stage> stages;
  private final ToIntFunction<Refused> refusalStatus;

  /** @param stages in admission order; see {@link Stages} for the gateway's order and why */
  public Pipeline(List<Stage> stages) {
    this(stages, Refused::status);
  }

  /**
   * @param refusalStatus how the surface numbers a refusal for the stages' outcome (HTTP status on
   *     the model routes, the JSON-RPC error code on MCP)
   */
  public Pipeline(List<Stage> stages, ToIntFunction<Refused> refusalStatus) {
    this.stages = List.copyOf(stages);
    this.refusalStatus = refusalStatus;
  }

  public List<Stage> stages() {
    return stages;
  }

  /**
   * A call every stage admitted: the surface forwards it, then {@link #finish}es it with how it
   * ended. Finishing twice is harmless (the first outcome counts), so a surface may finish from
   * both an upstream's report and a client's hang-up.
   */
  public final class Admitted {
    private final Call call;
    private final AtomicBoolean finished = new AtomicBoolean();

    private Admitted(Call call) {
      this.call = call;
    }

    public Call call() {
      return call;
    }

    /** Finishes every stage; completes once they all have (at once unless a stage's finishing waits). */
    public Future<Void> finish(Outcome outcome) {
      if (!finished.compareAndSet(false, true)) {
        return Future.succeededFuture();
      }
      Promise<Void> done = Promise.promise();
      unwind(call, stages.size(), outcome, done);
      return done.future();
    }
  }

  /**
   * Admits the call through every stage. Fails with {@link Refused} when a stage refused it, or
   * with the stage's own exception when one broke; either way every stage admitted before has
   * finished (with the refusal, or as failed) by the time the future fails.
   */
  public Future<Admitted> run(Call call) {
    Promise<Admitted> done = Promise.promise();
    admitFrom(call, 0, done);
    return done.future();
  }

  /**
   * A call the surface refused before any stage ran (its body, its model): only the stages that
   * record every call see it, admitted and finished with the refusal at once.
   */
  public void reject(Call call, Refused refused) {
    record(call, refusal(refused));
  }

  /**
   * A call governed piecewise rather than as a whole (a tool-loop run, whose every model step and
   * tool call passes the stages on its own): only the stages that record every call see it,
   * admitted and finished at once with how it ended.
   */
  public void record(Call call, Outcome outcome) {
    for (int i = stages.size() - 1; i >= 0; i--) {
      Stage s = stages.get(i);
      if (s.recordsRejections()) {
        finishOne(s, call, outcome); // a refusal's record is not waited for: nothing follows it
      }
    }
  }

  private void admitFrom(Call call, int i, Promise<Admitted> done) {
    // synchronous stages continue in this loop: no future chain per stage on the hot path
    for (; i < stages.size(); i++) {
      Future<Void> f;
      try {
        f = stages.get(i).admit(call);
      } catch (RuntimeException e) {
        f = Future.failedFuture(e);
      }
      if (!f.isComplete()) {
        int at = i;
        f.onComplete(ar -> {
          if (ar.succeeded()) {
            admitFrom(call, at + 1, done);
          } else {
            refusedAt(call, at, ar.cause(), done);
          }
        });
        return;
      }
      if (f.failed()) {
        refusedAt(call, i, f.cause(), done);
        return;
      }
    }
    done.complete(new Admitted(call));
  }

  private void refusedAt(Call call, int at, Throwable cause, Promise<Admitted> done) {
    Outcome outcome = cause instanceof Refused r ? refusal(r) : Outcome.failed(500, "gateway_error");
    if (!(cause instanceof Refused)) {
      LOG.atError().setCause(cause).addKeyValue("request_id", call.requestId())
          .log("stage '" + stages.get(at).name() + "' failed");
    }
    Promise<Void> unwound = Promise.promise();
    unwind(call, at, outcome, unwound);
    unwound.future().onComplete(x -> done.fail(cause));
  }

  private Outcome refusal(Refused r) {
    return Outcome.refused(r, refusalStatus.applyAsInt(r));
  }

  /**
   * Finishes stages [0, upTo) in reverse order, each one whatever the others do; a stage whose
   * finishing waits holds the ones before it. Completes {@code done} when all have finished.
   */
  private void unwind(Call call, int upTo, Outcome outcome, Promise<Void> done) {
    // stages that finish at once continue in this loop, as on admission
    for (int i = upTo - 1; i >= 0; i--) {
      Future<Void> f = finishOne(stages.get(i), call, outcome);
      if (!f.isComplete()) {
        int next = i;
        f.onComplete(x -> unwind(call, next, outcome, done));
        return;
      }
    }
    done.complete();
  }

  /** Never fails: a stage's failure to finish is logged, and the others still finish. */
  private static Future<Void> finishOne(Stage s, Call call, Outcome outcome) {
    Future<Void> f;
    try {
      f = s.finishing(call, outcome);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.recover(e -> {
      LOG.atError().setCause(e).addKeyValue("request_id", call.requestId())
          .log("finishing stage '" + s.name() + "' failed; the other stages were finished");
      return Future.succeededFuture();
    });
  }
}

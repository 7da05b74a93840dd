package dev.portcullis.pipeline;

import io.vertx.core.Future;

/**
 * One step every call passes, whichever surface it came in on. The contract the
 * {@link Pipeline} keeps, and stages rely on:
 *
 * <ul>
 *   <li>{@code admit} runs in the order of {@link Stages}; it succeeds to let the call on, or fails
 *       with {@link Refused} (any other failure is the gateway's own error). A stage that refuses
 *       has given back anything it took before it refuses.
 *   <li>{@code finish} runs exactly once for every stage whose {@code admit} succeeded, in reverse
 *       order, on every path: answered, refused by a later stage, failed upstream, client gone. It
 *       must not throw (a throw is logged and the other stages still finish). A stage whose
 *       finishing takes time ({@link #finishing}) holds the stages before it until it is done.
 *   <li>Per-call state lives in the {@link Call}, never in maps keyed by request id.
 * </ul>
 */
public interface Stage {
  /** A name for logs and tests. */
  String name();

  Future<Void> admit(Call call);

  void finish(Call call, Outcome outcome);

  /**
   * Finishes the call and says when that is done: the stages before this one finish only then,
   * and the surface answers only once every stage has. Only a stage whose finishing must be
   * durable before the client learns the outcome waits (the audit trail commits a tool call's
   * completed event, DESIGN §5); the others finish at once, which is the default. A failed future
   * is logged like a throw, and the other stages still finish.
   */
  default Future<Void> finishing(Call call, Outcome outcome) {
    finish(call, outcome);
    return Future.succeededFuture();
  }

  /**
   * Whether this stage also sees calls the surface refused before the stages ran (a body that is
   * not JSON, an unknown model): the audit trail records every call, the others take nothing.
   */
  default boolean recordsRejections() {
    return false;
  }
}

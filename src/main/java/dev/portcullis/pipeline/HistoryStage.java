package dev.portcullis.pipeline;

import dev.portcullis.policy.PolicyEngine;
import io.vertx.core.Future;

/**
 * Extends the history that session-aware policy rules read ("no mail after reading a secret"):
 * a call on a tool, prompt or resource is recorded once every check has admitted it, before it
 * leaves, so a concurrent call of the same session already sees it.
 */
public final class HistoryStage implements Stage {
  private final PolicyEngine policy;

  public HistoryStage(PolicyEngine policy) {
    this.policy = policy;
  }

  @Override
  public String name() {
    return "history";
  }

  @Override
  public Future<Void> admit(Call call) {
    if (call.actsOnItem() && call.principal() != null) {
      policy.record(AuthorizeStage.request(call, call.action(), AuthorizeStage.arguments(call)));
    }
    return Future.succeededFuture();
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // what happened stays in the history
  }
}

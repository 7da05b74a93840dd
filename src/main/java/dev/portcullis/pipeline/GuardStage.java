package dev.portcullis.pipeline;

import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.identity.Principal;
import dev.portcullis.llm.guard.LlmGuard;
import io.vertx.core.Future;

/**
 * The guard on model calls: who is calling decides which rules apply; a block refuses the call;
 * otherwise the (rewritten) request and the filter for the answer are noted in the call for the
 * surface to forward. The rules themselves live in guard/. Restoring pseudonyms in the answer is
 * the filter's job, on the way back; the guard holds nothing to give back in {@code finish}.
 */
public final class GuardStage implements Stage {
  private final LlmGuard guard;

  /** @param guard the guard of the configuration in force */
  public GuardStage(LlmGuard guard) {
    this.guard = guard;
  }

  @Override
  public String name() {
    return "guard";
  }

  @Override
  public Future<Void> admit(Call call) {
    // counting tokens is guarded too: a count may be forwarded to the provider (Anthropic's count_tokens)
    if (call.model() == null) {
      return Future.succeededFuture();
    }
    Principal p = call.principal();
    try {
      LlmGuard.Guarded g = guard.apply(call.model(), keyOrId(p), personaOrKind(p));
      call.guarded(g.request(), g.filter(), g.session());
      return Future.succeededFuture();
    } catch (GuardBlockedException e) {
      return Future.failedFuture(Refused.guard(e.rule(), String.join(",", e.types()), e.getMessage()));
    }
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // nothing held: the answer's filter restores pseudonyms as the answer streams back
  }

  /** What guard rules' {@code keys} match: the virtual key's id, else the principal's id. */
  static String keyOrId(Principal p) {
    return p == null ? null : p.key() != null ? p.key().id() : p.id();
  }

  /** What guard rules' {@code personas} match: the persona, else the principal's kind (as on MCP). */
  static String personaOrKind(Principal p) {
    return p == null ? null : p.persona() != null ? p.persona().name() : p.kind();
  }
}

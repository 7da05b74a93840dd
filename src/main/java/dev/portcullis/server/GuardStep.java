package dev.portcullis.server;

import dev.portcullis.telemetry.AccessRecord;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.identity.Principal;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.guard.LlmGuard;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Consumer;

/**
 * Puts the guard in front of the LLM routes: who is calling decides which rules apply; a block
 * is answered in the surface's error shape; otherwise the (rewritten) request and its response
 * filter go on to the proxy. Wiring only: the rules live in guard/.
 */
final class GuardStep {
  /** The call's guard session (for the audit trail), when a rule applied. */
  static final String SESSION = "portcullis.guardSession";
  /** The data types a block refused, when one did. */
  static final String BLOCKED = "portcullis.guardBlocked";

  private GuardStep() {}

  /**
   * The guarded request, or null after {@code onBlock} answered a refusal. With no guard the
   * request passes as it is.
   */
  static LlmGuard.Guarded apply(LlmGuard guard, RoutingContext ctx, LlmRequest request, Consumer<String> onBlock) {
    if (guard == null) {
      return new LlmGuard.Guarded(request, null, null);
    }
    Principal p = ctx.get(KeyGate.PRINCIPAL);
    String key = p == null ? null : p.key() != null ? p.key().id() : p.id();
    String persona = p == null ? null : p.kind();
    try {
      LlmGuard.Guarded g = guard.apply(request, key, persona);
      if (g.session() != null) {
        ctx.put(SESSION, g.session());
      }
      return g;
    } catch (GuardBlockedException e) {
      ctx.put(BLOCKED, e);
      AccessRecord.of(ctx).outcome(AccessRecord.REFUSED + "guard_blocked");
      onBlock.accept(e.getMessage());
      return null;
    }
  }
}

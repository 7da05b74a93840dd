package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardContext;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.McpContentGuard;
import dev.portcullis.identity.Principal;
import dev.portcullis.llm.guard.LlmGuard;
import io.vertx.core.Future;

/**
 * The guard on the content a call sends: who is calling, and to which model, server or tool,
 * decides which rules apply; a block refuses the call; otherwise the (rewritten) request is noted
 * in the call for the surface to forward, with what restores and scans the answer on its way back
 * (the model answer's filter, or the tool call's guard session). The rules themselves live in
 * guard/. Restoring pseudonyms in the answer is done on the way back; the guard holds nothing to
 * give back in {@code finish}.
 */
public final class GuardStage implements Stage {
  private final LlmGuard models;
  private final Guard items;

  /**
   * @param models the guard on model requests, or null (none on these calls)
   * @param items the guard on tool, prompt and resource requests, or null (none on these calls)
   */
  public GuardStage(LlmGuard models, Guard items) {
    this.models = models;
    this.items = items;
  }

  @Override
  public String name() {
    return "guard";
  }

  @Override
  public Future<Void> admit(Call call) {
    if (call.item() != null) {
      return call.actsOnItem() && items != null ? item(call) : Future.succeededFuture();
    }
    // counting tokens is guarded too: a count may be forwarded to the provider (Anthropic's count_tokens)
    if (models == null || call.model() == null) {
      return Future.succeededFuture();
    }
    Principal p = call.principal();
    try {
      LlmGuard.Guarded g = models.apply(call.model(), keyOrId(p), personaOrKind(p));
      call.guarded(g.request(), g.filter(), g.session());
      return Future.succeededFuture();
    } catch (GuardBlockedException e) {
      return Future.failedFuture(Refused.guard(e.rule(), String.join(",", e.types()), e.getMessage()));
    }
  }

  /** A tool's or prompt's arguments, any depth; a resource read sends nothing to guard, but its answer is. */
  private Future<Void> item(Call call) {
    Principal p = call.principal();
    Call.Target t = call.target();
    GuardSession gs = items.session(GuardContext.mcp(call.action(), t.server(), t.original(), keyOrId(p),
        personaOrKind(p)));
    ObjectNode send = call.content();
    if (gs != null && gs.scansRequests() && send.path("arguments").isContainerNode()) {
      send = send.deepCopy(); // the client's arguments stay as sent: approvals bind to them
      try {
        McpContentGuard.arguments(send.get("arguments"), gs::request);
      } catch (GuardBlockedException e) {
        return Future.failedFuture(Refused.guard(e.rule(), String.join(",", e.types()), e.getMessage()));
      }
    }
    call.guarded(send, gs);
    return Future.succeededFuture();
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // nothing held: the answer's filter restores pseudonyms as the answer streams back
  }

  /** What guard rules' {@code keys} match: the virtual key's id, else the principal's id. */
  static String keyOrId(Principal p) {
    return p == null ? null : p.key() != null ? p.key().id() : p.id();
  }

  /** What guard rules' {@code personas} match: the persona, else the principal's kind. */
  static String personaOrKind(Principal p) {
    return p == null ? null : p.persona() != null ? p.persona().name() : p.kind();
  }
}

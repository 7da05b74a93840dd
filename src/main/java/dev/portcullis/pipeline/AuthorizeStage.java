package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.identity.Principal;
import dev.portcullis.policy.Decision;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.policy.PolicyRequest;
import io.vertx.core.Future;
import java.util.Map;

/**
 * Whether a call may happen at all: persona grants and policy rules decide. Deny refuses; a
 * {@code require_approval} decision is noted in the call for the {@link ApprovalStage}, which asks
 * once the guard has run. On a tool, prompt or resource the item must also be one the caller may
 * see (the list rule), so that nothing hidden is reachable; a call that only reaches an item (a
 * completion, a subscription) is decided by the list rule alone.
 */
public final class AuthorizeStage implements Stage {
  /** The action policy rules name when they decide what a caller may see. */
  static final String LIST = "list";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final PolicyEngine policy;

  public AuthorizeStage(PolicyEngine policy) {
    this.policy = policy;
  }

  @Override
  public String name() {
    return "authorize";
  }

  @Override
  public Future<Void> admit(Call call) {
    Principal p = call.principal();
    Decision d;
    if (call.item() != null) {
      if (!decidesItems(p)) {
        return Future.succeededFuture();
      }
      boolean reachOnly = call.item().reachOnly();
      d = decide(call, reachOnly ? LIST : call.action(), reachOnly ? Map.of() : arguments(call));
      if (reachOnly && d.outcome() != Decision.Outcome.DENY) {
        return Future.succeededFuture(); // only seeing the item counts: no approval to ask
      }
    } else {
      if (p == null || call.model() == null) {
        return Future.succeededFuture();
      }
      d = policy.decide(PolicyRequest.llm(p, p.persona(), call.model().model(), call.client().ip()));
    }
    call.decided(d);
    if (d.outcome() == Decision.Outcome.DENY) {
      return Future.failedFuture(Refused.policy(d.rule(), d.reason(), "Denied by policy (" + d.rule() + "): "
          + d.reason()));
    }
    return Future.succeededFuture(); // allow, or require_approval: the approvals stage asks
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // a decision holds nothing
  }

  /** Whether items are decided for this caller at all (it acts through a persona, or rules are in force). */
  public boolean decidesItems(Principal p) {
    return p != null && (p.persona() != null || policy.hasRules());
  }

  /** Whether the caller may see an item (list its entry, reach it at all). */
  public boolean shows(Principal p, Call.Target item, String historyKey, String clientIp) {
    return !decidesItems(p) || policy.decide(request(p, item, LIST, Map.of(), historyKey, clientIp)).outcome()
        != Decision.Outcome.DENY;
  }

  /** Grants and rules; the list rule too for actions, so that nothing hidden is reachable. */
  private Decision decide(Call call, String action, Map<String, Object> arguments) {
    Decision d = policy.decide(request(call, action, arguments));
    if (d.outcome() != Decision.Outcome.DENY && !LIST.equals(action) && policy.hasRules()) {
      Decision listed = policy.decide(request(call, LIST, Map.of()));
      if (listed.outcome() == Decision.Outcome.DENY) {
        return listed;
      }
    }
    return d;
  }

  /** The policy question for an item call: who, which action, on what, with which arguments, in which history. */
  static PolicyRequest request(Call call, String action, Map<String, Object> arguments) {
    return request(call.principal(), call.target(), action, arguments, call.item().historyKey(), call.client().ip());
  }

  private static PolicyRequest request(Principal p, Call.Target t, String action, Map<String, Object> arguments,
      String historyKey, String clientIp) {
    return PolicyRequest.mcp(p, p == null ? null : p.persona(), action, t.kind(), t.server(), t.name(),
        t.original(), arguments, t.annotations(), historyKey, clientIp);
  }

  /** The arguments as policy rules read them (CEL): the client's, before the guard. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> arguments(Call call) {
    JsonNode args = call.content() == null ? null : call.content().get("arguments");
    return args == null || !args.isObject() ? Map.of() : MAPPER.convertValue(args, Map.class);
  }
}

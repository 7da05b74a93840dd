package dev.portcullis.pipeline;

import dev.portcullis.identity.Principal;
import dev.portcullis.policy.ApprovalHash;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.Decision;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.policy.PolicyRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * Whether a model call may happen at all: persona grants and policy rules decide; deny refuses;
 * {@code require_approval} holds the call until an administrator decides through the approvals
 * admin API (the same queue, store and audit trail as tool approvals). An approval binds to the
 * caller, the action, the model and the exact body; it is used once.
 *
 * <p>A held call waits up to {@link #HOLD_MS}; if nobody decided by then it is refused naming the
 * open approval, and the same request sent again after approval goes through.
 */
public final class AuthorizeStage implements Stage {
  /** How long a model call is held for an administrator before it is refused as pending. */
  static final long HOLD_MS = 5 * 60_000L;
  /** How often a held call looks for the administrator's decision (approvals may live in a shared store). */
  static final long POLL_MS = 250;

  private final PolicyEngine policy;
  private final Approvals approvals;
  private final Vertx vertx;

  public AuthorizeStage(PolicyEngine policy, Approvals approvals, Vertx vertx) {
    this.policy = policy;
    this.approvals = approvals;
    this.vertx = vertx;
  }

  @Override
  public String name() {
    return "authorize";
  }

  @Override
  public Future<Void> admit(Call call) {
    Principal p = call.principal();
    if (p == null || call.model() == null) {
      return Future.succeededFuture();
    }
    Decision d = policy.decide(PolicyRequest.llm(p, p.persona(), call.model().model(), call.client().ip()));
    call.decided(d);
    return switch (d.outcome()) {
      case ALLOW -> Future.succeededFuture();
      case DENY -> Future.failedFuture(Refused.policy(d.rule(), "Denied by policy (" + d.rule() + "): " + d.reason()));
      case REQUIRE_APPROVAL -> approval(call, d);
    };
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // a decision holds nothing; an approval was consumed when the call used it
  }

  private Future<Void> approval(Call call, Decision d) {
    String principal = call.principal().id();
    String model = call.model().model();
    String hash = ApprovalHash.of(call.action(), call.content());
    return approvals.useAsync(principal, call.action(), model, hash).compose(found -> {
      if (found.approved() != null) {
        return approved(call, d, found.approved());
      }
      if (found.open() != null && found.open().status() == Approvals.Status.DENIED) {
        return denied(d, found.open());
      }
      Future<Approvals.Approval> open = found.open() != null ? Future.succeededFuture(found.open())
          : approvals.requestAsync(principal, call.persona() == null ? null : call.persona().name(), call.action(),
              null, model, hash, summary(call), d.rule(), d.reason());
      return open.compose(pending -> {
        Promise<Void> decided = Promise.promise();
        poll(call, d, pending, hash, System.currentTimeMillis() + HOLD_MS, decided);
        return decided.future();
      });
    });
  }

  /** Looks for the decision every {@link #POLL_MS} until it comes, the hold ends or the client leaves. */
  private void poll(Call call, Decision d, Approvals.Approval pending, String hash, long until,
      Promise<Void> decided) {
    vertx.setTimer(POLL_MS, t -> {
      if (call.abandoned()) {
        decided.fail(pending(d, pending)); // the approval stays open: the same request may come again
        return;
      }
      approvals.useAsync(call.principal().id(), call.action(), call.model().model(), hash).onComplete(ar -> {
        if (ar.failed()) {
          decided.fail(ar.cause());
        } else if (ar.result().approved() != null) {
          approved(call, d, ar.result().approved()).onComplete(decided);
        } else if (ar.result().open() != null && ar.result().open().status() == Approvals.Status.DENIED) {
          denied(d, ar.result().open()).onComplete(decided);
        } else if (System.currentTimeMillis() >= until) {
          decided.fail(pending(d, pending));
        } else {
          poll(call, d, pending, hash, until, decided);
        }
      });
    });
  }

  private static Future<Void> approved(Call call, Decision d, Approvals.Approval a) {
    call.decided(new Decision(Decision.Outcome.ALLOW, d.rule(), "approved by an administrator (" + a.id() + ")"));
    return Future.succeededFuture();
  }

  private static Future<Void> denied(Decision d, Approvals.Approval a) {
    return Future.failedFuture(Refused.approvalDenied(d.rule(), a.id(), "Denied by an administrator (" + a.id()
        + "; rule " + d.rule() + "): " + d.reason()));
  }

  private static Refused pending(Decision d, Approvals.Approval a) {
    return Refused.approvalPending(d.rule(), a.id(), "This request needs approval (" + d.rule() + "): " + d.reason()
        + ". Approval " + a.id() + " is pending: an administrator can approve it (POST /admin/approvals/" + a.id()
        + "/approve); then send the same request again.");
  }

  /**
   * What the reviewer sees: the call's shape, not its text. Authorization runs before the guard,
   * so the content has not been redacted yet and must not reach the approvals queue.
   */
  private static String summary(Call call) {
    var messages = call.content().path("messages");
    return call.action() + " on model " + call.model().model()
        + (messages.isArray() ? ", " + messages.size() + " message(s)" : "")
        + (call.model().raw() == null ? "" : ", " + call.model().raw().length() + " bytes");
  }
}

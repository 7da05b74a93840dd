package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.ApprovalHash;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.Decision;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

/**
 * A call that a rule holds for approval ({@code require_approval}, decided by the
 * {@link AuthorizeStage}) goes on only once approved. An administrator's decision through the
 * approvals admin API counts first (the same queue, store and audit trail for model and tool
 * calls); failing that, the caller's user is asked where the surface can ask ({@link Consent});
 * failing that, the call waits for an administrator. An approval binds to the caller, the action,
 * the target and the exact content ({@link Call#approvalSubject}); it is used once.
 *
 * <p>A model call is held up to {@link #HOLD_MS}; if nobody decided by then it is refused naming
 * the open approval, and the same request sent again after approval goes through. A tool call is
 * refused at once naming the approval (an agent retries it; a held tool call would hold its
 * session's other work).
 */
public final class ApprovalStage implements Stage {
  /** How long a model call is held for an administrator before it is refused as pending. */
  static final long HOLD_MS = 5 * 60_000L;
  /** How often a held call looks for the administrator's decision (approvals may live in a shared store). */
  static final long POLL_MS = 250;
  /** How much of a tool's arguments a reviewer sees. */
  private static final int REVIEW_CHARS = 1000;

  private final Approvals approvals;
  private final Vertx vertx;

  public ApprovalStage(Approvals approvals, Vertx vertx) {
    this.approvals = approvals;
    this.vertx = vertx;
  }

  @Override
  public String name() {
    return "approval";
  }

  @Override
  public Future<Void> admit(Call call) {
    Decision d = call.decision();
    if (d.outcome() != Decision.Outcome.REQUIRE_APPROVAL || call.principal() == null) {
      return Future.succeededFuture();
    }
    String hash = ApprovalHash.of(call.action(), call.approvalSubject());
    return approvals.useAsync(call.principal().id(), call.action(), call.target().name(), hash).compose(found -> {
      if (found.approved() != null) {
        return approved(call, d, found.approved());
      }
      if (found.open() != null && found.open().status() == Approvals.Status.DENIED) {
        return denied(d, found.open());
      }
      Consent consent = call.item() == null ? null : call.item().consent();
      Future<Consent.Answer> asked = consent == null ? Future.succeededFuture(new Consent.Nobody())
          : consent.ask(call, d);
      return asked.compose(answer -> {
        if (answer instanceof Consent.Approved) {
          call.decided(new Decision(Decision.Outcome.ALLOW, d.rule(), "approved by the user"));
          return Future.succeededFuture();
        }
        if (answer instanceof Consent.Declined no) {
          return Future.failedFuture(Refused.userDeclined(d.rule(), d.reason(), no.why()));
        }
        if (answer instanceof Consent.Asked q) {
          return Future.failedFuture(Refused.inputRequired(d.rule(), d.reason(), q.reply()));
        }
        return administrator(call, d, found.open(), hash);
      });
    });
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    // an approval was consumed when the call used it
  }

  private Future<Void> administrator(Call call, Decision d, Approvals.Approval open, String hash) {
    Future<Approvals.Approval> opened = open != null ? Future.succeededFuture(open)
        : approvals.requestAsync(call.principal().id(), call.persona() == null ? null : call.persona().name(),
            call.action(), call.target().server(), call.target().name(), hash, summary(call), d.rule(), d.reason());
    return opened.compose(pending -> {
      if (call.item() != null) {
        return Future.failedFuture(pending(d, pending));
      }
      Promise<Void> decided = Promise.promise();
      poll(call, d, pending, hash, System.currentTimeMillis() + HOLD_MS, decided);
      return decided.future();
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
      approvals.useAsync(call.principal().id(), call.action(), call.target().name(), hash).onComplete(ar -> {
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
    return Future.failedFuture(Refused.approvalDenied(d.rule(), a.id(), d.reason(), "Denied by an administrator ("
        + a.id() + "; rule " + d.rule() + "): " + d.reason()));
  }

  private static Refused pending(Decision d, Approvals.Approval a) {
    return Refused.approvalPending(d.rule(), a.id(), d.reason(), "This request needs approval (" + d.rule() + "): "
        + d.reason() + ". Approval " + a.id() + " is pending: an administrator can approve it (POST /admin/approvals/"
        + a.id() + "/approve); then send the same request again.");
  }

  /**
   * What the reviewer sees. Of a model call, its shape, not its text (no guard rule may have looked
   * at a model request's text for the approvals queue's sake). Of a tool call, the arguments as
   * they would go upstream, after the guard, so the reviewer can judge what the tool would do.
   */
  private static String summary(Call call) {
    if (call.item() != null) {
      JsonNode args = call.forwardedContent().get("arguments");
      String s = args == null ? call.forwardedContent().path("uri").asText(null) : args.toString();
      return s == null || s.length() <= REVIEW_CHARS ? s : s.substring(0, REVIEW_CHARS) + "...";
    }
    var messages = call.content().path("messages");
    return call.action() + " on model " + call.model().model()
        + (messages.isArray() ? ", " + messages.size() + " message(s)" : "")
        + (call.model().raw() == null ? "" : ", " + call.model().raw().length() + " bytes");
  }
}

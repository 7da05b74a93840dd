package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.Demand;
import dev.portcullis.limits.Refusal;
import dev.portcullis.limits.Ticket;
import dev.portcullis.limits.ToolPrices;
import dev.portcullis.llm.CallSummary;
import dev.portcullis.llm.CountedBody;
import dev.portcullis.llm.InvalidParameterException;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.RequestedCompletion;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.Usage;
import io.vertx.core.Future;

/**
 * A thin adapter to the limits package: admission asks the {@link Accountant} to reserve for the
 * call (allowed models, parallel slots, RPM, TPM, key, team and persona budgets); finishing
 * settles what it reserved with the call's real usage and records that usage. A call on a tool,
 * prompt or resource counts against the same scopes (and the tool rules), a tool call at its
 * price; once it went upstream it is charged whatever came back, since the tool may have acted.
 * The rules live in limits/; this class only translates a {@link Call} to its entry points and back.
 *
 * <p>A max_tokens, max_completion_tokens or n that is not a positive integer is refused here (the
 * limits cannot reserve for it, and guessing would reserve for a different request than the
 * upstream receives).
 */
public final class LimitsStage implements Stage {
  private final Accountant accountant;
  private final TokenCounter tokens;
  private final ToolPrices prices;

  /** @param prices what tool calls cost */
  public LimitsStage(Accountant accountant, TokenCounter tokens, ToolPrices prices) {
    this.accountant = accountant;
    this.tokens = tokens;
    this.prices = prices;
  }

  @Override
  public String name() {
    return "limits";
  }

  @Override
  public Future<Void> admit(Call call) {
    if (call.item() != null) {
      return call.actsOnItem() ? item(call) : Future.succeededFuture();
    }
    LlmRequest request = call.model();
    if (request == null || request.endpoint().countsOnly()) {
      return Future.succeededFuture(); // nothing to reserve; a proxied count is still recorded when it ends
    }
    RequestedCompletion asked;
    JsonNode counted;
    try {
      counted = CountedBody.of(request);
      asked = RequestedCompletion.read(counted);
    } catch (InvalidParameterException e) {
      return Future.failedFuture(Refused.limit(new Refusal(Refusal.Kind.INVALID_REQUEST, e.getMessage(), -1, null,
          e.param())));
    }
    return accountant.admission(Demand.model(call.requestId(), call.principal(), request.model(),
        () -> tokens.countPrompt(request.model(), counted), asked.maxTokens(), asked.choices())).compose(a -> {
          if (a.refusal() != null) {
            return Future.failedFuture(Refused.limit(a.refusal()));
          }
          call.rated(a.ticket().rate());
          call.admittedByLimits(true);
          return Future.succeededFuture();
        });
  }

  private Future<Void> item(Call call) {
    Call.Target t = call.target();
    long price = call.item().toolCall() ? prices.nanos(t.server(), t.original()) : 0;
    return accountant.admission(Demand.mcp(call.requestId(), call.principal(), call.action(), t.server(), t.name(),
        price)).compose(a -> {
          if (a.refusal() != null) {
            return Future.failedFuture(Refused.limit(a.refusal()));
          }
          call.hold(a.ticket());
          return Future.succeededFuture();
        });
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    if (call.item() != null) {
      Ticket t = call.held();
      call.hold(null);
      if (t == null) {
        return;
      }
      if (outcome.kind() == Outcome.Kind.REFUSED) { // a later stage refused it: it never left, nothing is charged
        t.release();
      } else {
        accountant.completed(t, outcome.label(), outcome.status(), (System.nanoTime() - call.startNanos()) / 1_000_000);
      }
      return;
    }
    if (outcome.served() != null) {
      accountant.completed(outcome.served());
    } else if (call.admittedByLimits()) { // admitted, then never reached the upstream: give it all back
      LlmRequest r = call.model();
      accountant.completed(new CallSummary(call.requestId(), r.endpoint(), r.model(), null, outcome.status(), 0,
          System.nanoTime() - call.startNanos(), -1, Usage.NONE, outcome.label(), r.stream()));
    }
  }
}

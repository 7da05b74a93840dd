package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.cluster.ExpiringValues;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.pipeline.Call;
import dev.portcullis.pipeline.Consent;
import dev.portcullis.pipeline.Refused;
import dev.portcullis.policy.ApprovalHash;
import dev.portcullis.policy.Decision;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How MCP asks a caller's user to approve a call a rule holds for approval, where the client
 * can answer: a session client that declared elicitation is sent {@code elicitation/create}; a
 * 2026-07-28 client that declared it gets an {@code input_required} answer and sends the call
 * again with the user's answer and the {@code requestState} it was given, which binds the answer
 * to the caller, the endpoint, the action, the target and the exact arguments. Other clients'
 * calls wait for an administrator.
 *
 * <p>With several replicas, what was asked is kept in Redis, so the retry may reach any replica
 * (and is used once: the first replica to take it wins).
 */
final class McpConsent {
  static final String APPROVAL_STATE = "portcullis-approval.";
  private static final String APPROVAL_KEY = "approval";
  private static final long ASK_TTL_MS = 10 * 60_000L;
  private static final long ELICIT_TIMEOUT_MS = 5 * 60_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();
  /** What every replica sees; when not {@link ExpiringValues#shared() shared}, {@link #asked} is used. */
  private final ExpiringValues shared;

  /** An approval asked of a 2026-07-28 client with an input_required result, awaiting its retry. */
  private record Asked(String principal, String view, String method, String target, String hash, long expires) {
    String encode() {
      return JsonRpc.F.objectNode().put("principal", principal).put("view", view).put("method", method)
          .put("target", target).put("hash", hash).put("expires", expires).toString();
    }

    static Asked decode(String text) {
      if (text == null) {
        return null;
      }
      try {
        JsonNode o = JSON.readTree(text);
        return new Asked(o.path("principal").asText(), o.path("view").asText(), o.path("method").asText(),
            o.path("target").asText(), o.path("hash").asText(), o.path("expires").asLong());
      } catch (java.io.IOException e) {
        return null; // not one this version wrote: unknown, as an expired one
      }
    }
  }

  /** @param shared where the replicas keep what was asked ({@link ExpiringValues#NONE}: in this process) */
  McpConsent(ExpiringValues shared) {
    this.shared = shared;
  }

  /** Whether the request answers the gateway's own question (its requestState is not for the upstream). */
  static boolean answers(ObjectNode params) {
    return params.path("requestState").asText("").startsWith(APPROVAL_STATE);
  }

  /** The consent of the client that sent this request. */
  Consent of(CallContext ctx) {
    return (call, d) -> ask(ctx, call, d);
  }

  private Future<Consent.Answer> ask(CallContext ctx, Call call, Decision d) {
    boolean canElicit = !ctx.clientCapabilities().path("elicitation").isMissingNode();
    ObjectNode params = call.content();
    if (ctx.modern()) {
      if (answers(params)) {
        String state = params.path("requestState").asText();
        // in this process when not shared, or when Redis was away as it was asked (fail: open)
        Future<Asked> taken = shared.shared() ? shared.take(state).map(Asked::decode)
            .otherwiseEmpty().map(x -> x != null ? x : asked.remove(state))
            : Future.succeededFuture(asked.remove(state));
        return taken.compose(a -> {
          if (a == null || a.expires() < System.currentTimeMillis() || !a.principal().equals(call.principal().id())
              || !a.view().equals(ctx.view()) || !a.method().equals(call.action())
              || !a.target().equals(call.target().name()) || !a.hash().equals(hash(call))) {
            return Future.failedFuture(Refused.invalid("requestState",
                "requestState is unknown, expired or belongs to another request: call again without it"));
          }
          return Future.succeededFuture(userAnswer(d, params.path("inputResponses").path(APPROVAL_KEY)));
        });
      }
      if (canElicit) {
        return inputRequired(ctx, call, d).map(Consent.Asked::new);
      }
    } else if (ctx.session() != null && canElicit) {
      Promise<JsonNode> answer = Promise.promise();
      ctx.session().askClient(McpMethods.ELICITATION_CREATE, elicitation(call, d), ctx.related()).onComplete(answer);
      Context c = Vertx.currentContext();
      if (c != null) {
        long timer = c.owner().setTimer(ELICIT_TIMEOUT_MS, t -> answer.tryFail(new McpError(McpError.INTERNAL_ERROR,
            "no answer to the approval request")));
        answer.future().onComplete(x -> c.owner().cancelTimer(timer));
      }
      return answer.future().transform(ar -> Future.succeededFuture(ar.succeeded() ? userAnswer(d, ar.result())
          : new Consent.Declined("Approval (rule " + d.rule() + ") could not be obtained from the user: "
              + ar.cause().getMessage())));
    }
    return Future.succeededFuture(new Consent.Nobody());
  }

  private static Consent.Answer userAnswer(Decision d, JsonNode answer) {
    if ("accept".equals(answer.path("action").asText())) {
      return new Consent.Approved();
    }
    return new Consent.Declined("Not approved by the user (" + answer.path("action").asText("no answer") + "; rule "
        + d.rule() + "): " + d.reason());
  }

  /** The input_required answer, once what it asks is kept where the retry will find it. */
  private Future<ObjectNode> inputRequired(CallContext ctx, Call call, Decision d) {
    long now = System.currentTimeMillis();
    String state = APPROVAL_STATE + token();
    Asked a = new Asked(call.principal().id(), ctx.view(), call.action(), call.target().name(), hash(call),
        now + ASK_TTL_MS);
    if (!shared.shared()) {
      keepHere(state, a, now);
      return Future.succeededFuture(question(state, call, d));
    }
    return shared.put(state, a.encode(), ASK_TTL_MS).recover(e -> {
      keepHere(state, a, now); // Redis away (fail: open): only this replica can take the answer
      return Future.succeededFuture();
    }).map(v -> question(state, call, d));
  }

  private void keepHere(String state, Asked a, long now) {
    asked.values().removeIf(x -> x.expires() < now);
    asked.put(state, a);
  }

  private static ObjectNode question(String state, Call call, Decision d) {
    ObjectNode r = JsonRpc.F.objectNode().put("resultType", "input_required");
    ObjectNode req = r.putObject("inputRequests").putObject(APPROVAL_KEY).put("method", McpMethods.ELICITATION_CREATE);
    req.set("params", elicitation(call, d));
    r.put("requestState", state);
    return r;
  }

  private static ObjectNode elicitation(Call call, Decision d) {
    Call.Target t = call.target();
    ObjectNode p = JsonRpc.F.objectNode().put("mode", "form").put("message", "The gateway needs your approval to "
        + ("tool".equals(t.kind()) ? "call the tool " : "use the " + t.kind() + " ") + t.name() + ": "
        + d.reason() + " (rule " + d.rule() + "). Accept to proceed, decline to refuse.");
    p.putObject("requestedSchema").put("type", "object").putObject("properties");
    return p;
  }

  private static String hash(Call call) {
    return ApprovalHash.of(call.action(), call.approvalSubject());
  }

  private String token() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}

package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditWriter;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.guard.McpContentGuard;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.ToolPrices;
import dev.portcullis.mcp.aggregate.Entry;
import dev.portcullis.mcp.aggregate.ItemKind;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.mcp.protocol.McpMethods;
import dev.portcullis.pipeline.AuthorizeStage;
import dev.portcullis.pipeline.Call;
import dev.portcullis.pipeline.Outcome;
import dev.portcullis.pipeline.Pipeline;
import dev.portcullis.pipeline.Refused;
import dev.portcullis.pipeline.Stages;
import dev.portcullis.pipeline.Surface;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.PolicyEngine;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The MCP surface's side of the one governance pipeline: every call on an item
 * ({@code tools/call}, {@code resources/read}, {@code prompts/get}, and {@code completion/complete}
 * and {@code resources/subscribe}, which only reach one) becomes a {@link Call} that passes the
 * same stages as model calls ({@link Stages}: audit, authorize, guard, approval, limits, history,
 * write-ahead audit); refusals become JSON-RPC errors ({@link McpRefusals}); on the way back the
 * guard restores pseudonymised values and scans the result before the stages finish. Lists are
 * filtered by the same authorization: an item is listed, and reachable at all, only when the
 * decision for {@code action: list} is not deny.
 *
 * <p>Session-aware rules read the policy {@code SessionLedger} under the legacy session id, or for
 * 2026-07-28 requests (no session) under {@code principal:ID}: one history per principal, which a
 * client cannot shed by choosing a new session hint.
 *
 * <p>Built only when something is configured (a persona, a rule, a guard rule, limits, an audit
 * trail); without, the MCP server does no extra work per request.
 */
public final class McpGovernance {
  /** The rule a client's own refusal of a call is recorded under (its {@code require_approval} setting). */
  static final String CLIENT_APPROVAL_RULE = "client:require_approval";
  /** The name space of the approvals asked of clients in the replicas' shared values. */
  public static final String CONSENT_SPACE = "mcp-consent";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Pipeline pipeline;
  /** Decides what lists show; null when no grants or rules are in force. */
  private final AuthorizeStage lists;
  private final McpConsent consent;
  private final SecureRandom random = new SecureRandom();
  /** What the audit trail may keep of a text a client sent: no value a detector finds, raw. */
  private final java.util.function.UnaryOperator<String> forAudit;

  /**
   * @param policy personas' grants and the rules (null: none)
   * @param policing whether grants and rules decide (personas or a policy file are configured)
   * @param guard the guard (null: none)
   * @param audit the audit writer (null: no audit trail)
   * @param approvals where approvals for administrators wait
   * @param limits the limits every action counts against (null: none)
   * @param prices what tool calls cost
   * @param consents where approvals asked of 2026-07-28 clients wait for their retry (shared by the
   *     replicas, or {@link dev.portcullis.cluster.ExpiringValues#NONE}: in this process)
   */
  private McpGovernance(PolicyEngine policy, boolean policing, Guard guard, AuditWriter audit, Approvals approvals,
      Accountant limits, ToolPrices prices, Vertx vertx, dev.portcullis.cluster.ExpiringValues consents) {
    this.consent = new McpConsent(consents);
    this.pipeline = Stages.itemCalls(audit, policy, policing, approvals, vertx, guard, limits, prices,
        McpRefusals::code);
    this.lists = policing ? new AuthorizeStage(policy) : null;
    this.forAudit = guard == null ? text -> text : guard::forAudit;
  }

  /**
   * The governance of one configuration, or null when it has nothing to do (no persona, no rule,
   * no guard, no limits, no audit trail): then requests cost nothing extra. Any argument may be null.
   *
   * @param configured whether personas or a policy file are configured (its rules may come later)
   * @param limits the limits every tool call counts against (null: none)
   * @param prices what tool calls cost
   * @param consents where approvals asked of 2026-07-28 clients wait for their retry
   */
  public static McpGovernance of(PolicyEngine policy, boolean configured, Guard guard, AuditWriter audit,
      Approvals approvals, Accountant limits, ToolPrices prices, Vertx vertx,
      dev.portcullis.cluster.ExpiringValues consents) {
    boolean policing = policy != null && (configured || policy.hasRules());
    return policing || guard != null || audit != null || limits != null
        ? new McpGovernance(policy, policing, guard, audit, approvals, limits, prices, vertx, consents) : null;
  }

  // ---------------------------------------------------------------- lists

  /** Whether lists must be filtered for this request (it acts through a persona, or rules are in force). */
  boolean filters(CallContext ctx) {
    return lists != null && lists.decidesItems(ctx.principal());
  }

  /** The entries this request may see (the list rule). */
  List<Entry> visible(CallContext ctx, ItemKind kind, List<Entry> all) {
    List<Entry> out = new ArrayList<>(all.size());
    String k = kindOf(kind);
    String history = historyKey(ctx);
    for (Entry e : all) {
      if (lists.shows(ctx.principal(), Call.Target.item(k, e.upstream().key(), e.exposed(), e.original(),
          annotations(e)), history, ctx.clientIp())) {
        out.add(e);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- calls

  /** One admitted request: what to send upstream, or an answer to give at once; {@link #finish} after. */
  static final class Ticket {
    final ObjectNode params;
    final JsonNode answer;
    private final Call call;
    private final Pipeline.Admitted admitted;

    private Ticket(Call call, Pipeline.Admitted admitted, ObjectNode params, JsonNode answer) {
      this.call = call;
      this.admitted = admitted;
      this.params = params;
      this.answer = answer;
    }

    /**
     * The upstream's outcome, restored and scanned by the guard; the stages finish with it (limits
     * settle, the audit trail commits the completed event) before the answer goes to the client.
     */
    Future<JsonNode> finish(AsyncResult<JsonNode> ar) {
      AsyncResult<JsonNode> out = ar;
      GuardSession gs = call.guardSession();
      if (ar.succeeded() && gs != null && gs.touchesResponses() && ar.result() != null) {
        try {
          McpContentGuard.result(ar.result(), gs::response, gs::responseParts);
        } catch (GuardBlockedException b) {
          out = Future.failedFuture(new McpError(McpError.GUARD_BLOCKED, b.getMessage(),
              JsonRpc.F.objectNode().put("rule", b.rule()).put("types", String.join(",", b.types()))));
        }
      }
      AsyncResult<JsonNode> answer = out;
      return admitted.finish(outcome(out)).transform(x -> answer.succeeded() ? Future.succeededFuture(answer.result())
          : Future.failedFuture(answer.cause()));
    }

    private static Outcome outcome(AsyncResult<JsonNode> ar) {
      if (ar.failed()) {
        return Outcome.replied("error", ar.cause() instanceof McpError m ? m.code() : McpError.INTERNAL_ERROR);
      }
      JsonNode r = ar.result();
      return Outcome.replied(r != null && r.path("isError").asBoolean(false) ? "tool_error"
          : r != null && "input_required".equals(r.path("resultType").asText()) ? "input_required" : "ok", 0);
    }
  }

  /** A request named an item this endpoint does not have (or hides): audited as a refusal. */
  void unknown(CallContext ctx, String method, String name, ObjectNode params) {
    pipeline.reject(call(ctx, Call.Target.item("", null, name, name, Map.of()), method, params, false),
        Refused.unknownTarget("", "no such item on this endpoint: " + name));
  }

  /**
   * Admits one request for an item through the stages. Fails with an {@link McpError} (already
   * audited) when refused; succeeds with an answer to give at once when the caller's user must
   * answer first (input_required).
   */
  Future<Ticket> admit(CallContext ctx, Entry e, String method, ObjectNode params) {
    Call call = call(ctx, target(e, method, params), method, params, !isAction(method));
    ClientApproval client = ctx.clientApproval();
    if (client != null && !client.approved() && isAction(method)) { // the client's own refusal, audited like a person's
      String why = "not approved by the client (" + client.requestId() + ")"
          + (client.reason() == null || client.reason().isBlank() ? "" : ": " + forAudit.apply(cut(client.reason())));
      Refused r = Refused.userDeclined(CLIENT_APPROVAL_RULE, why, "Not run: " + why);
      pipeline.reject(call, r);
      return Future.failedFuture(McpRefusals.error(r));
    }
    return pipeline.run(call).transform(ar -> {
      if (ar.succeeded()) {
        ObjectNode send = call.forwardedContent();
        if (McpConsent.answers(send)) { // the gateway's own approval round, not the upstream's
          send = send.deepCopy();
          send.remove(List.of("requestState", "inputResponses"));
        }
        return Future.succeededFuture(new Ticket(call, ar.result(), send, null));
      }
      if (ar.cause() instanceof Refused r) {
        return r.reason() == Refused.Reason.INPUT_REQUIRED
            ? Future.succeededFuture(new Ticket(call, null, params, (JsonNode) r.reply()))
            : Future.failedFuture(McpRefusals.error(r));
      }
      return Future.failedFuture(ar.cause());
    });
  }

  private Call call(CallContext ctx, Call.Target target, String method, ObjectNode params, boolean reachOnly) {
    return Call.onItem(newId(), Surface.MCP, method, ctx.principal(), target, params,
        new Call.Item(reachOnly, McpMethods.TOOLS_CALL.equals(method), historyKey(ctx), consent.of(ctx),
            ctx.clientApproval() != null && ctx.clientApproval().approved() ? ctx.clientApproval().requestId() : null),
        new Call.Client(ctx.clientIp(), clientApp(ctx), ctx.session() == null ? null : ctx.session().id(),
            ctx.requestId() == null ? null : ctx.requestId().asText()),
        traceId(ctx, params), System.nanoTime());
  }

  /** A client's reason, as long as the trail keeps a summary. */
  private static String cut(String s) {
    return s.length() <= 1000 ? s : s.substring(0, 1000) + "...";
  }

  private static boolean isAction(String method) {
    return McpMethods.TOOLS_CALL.equals(method) || McpMethods.RESOURCES_READ.equals(method)
        || McpMethods.PROMPTS_GET.equals(method);
  }

  /** Whose history session-aware rules read: the legacy session, else the principal's. */
  static String historyKey(CallContext ctx) {
    if (ctx.session() != null) {
      return ctx.session().id();
    }
    return ctx.principal() == null ? null : "principal:" + ctx.principal().id();
  }

  /**
   * The trace the call belongs to: the gateway's span when traced, else the W3C
   * {@code traceparent} in the request's {@code params._meta}, where MCP carries trace context.
   */
  private static String traceId(CallContext ctx, ObjectNode params) {
    if (ctx.trace() != null) {
      return ctx.trace().traceId();
    }
    String tp = params == null ? "" : params.path("_meta").path("traceparent").asText("");
    return tp.length() >= 55 && tp.charAt(2) == '-' ? tp.substring(3, 35) : null;
  }

  private static String clientApp(CallContext ctx) {
    JsonNode info = ctx.meta() != null ? ctx.meta().clientInfo()
        : ctx.session() != null ? ctx.session().clientInfo() : null;
    if (info == null || !info.path("name").isTextual()) {
      return null;
    }
    String v = info.path("version").asText("");
    return v.isEmpty() ? info.path("name").asText() : info.path("name").asText() + "/" + v;
  }

  private static Call.Target target(Entry e, String method, ObjectNode params) {
    Map<String, Object> ann = annotations(e);
    String server = e.upstream().key();
    return switch (method) {
      case McpMethods.RESOURCES_READ, McpMethods.RESOURCES_SUBSCRIBE, McpMethods.RESOURCES_UNSUBSCRIBE -> {
        String uri = params.path("uri").asText(e.exposed());
        yield Call.Target.item("resource", server, uri, uri, ann);
      }
      case McpMethods.COMPLETION_COMPLETE -> Call.Target.item(
          "ref/prompt".equals(params.path("ref").path("type").asText()) ? "prompt" : "resource", server, e.exposed(),
          e.original(), ann);
      case McpMethods.PROMPTS_GET -> Call.Target.item("prompt", server, e.exposed(), e.original(), ann);
      default -> Call.Target.item("tool", server, e.exposed(), e.original(), ann);
    };
  }

  private static String kindOf(ItemKind kind) {
    return switch (kind) {
      case TOOLS -> "tool";
      case PROMPTS -> "prompt";
      case RESOURCES, TEMPLATES -> "resource";
    };
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> annotations(Entry e) {
    JsonNode a = e.definition().get("annotations");
    return a != null && a.isObject() && !a.isEmpty() ? MAPPER.convertValue(a, Map.class) : Map.of();
  }

  private String newId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return "mcp_" + HexFormat.of().formatHex(b);
  }
}

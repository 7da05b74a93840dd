package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditWriter;
import dev.portcullis.audit.CallFacts;
import dev.portcullis.guard.Guard;
import dev.portcullis.guard.GuardBlockedException;
import dev.portcullis.guard.GuardContext;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.identity.Principal;
import dev.portcullis.limits.Accountant;
import dev.portcullis.limits.Demand;
import dev.portcullis.limits.ToolPrices;
import dev.portcullis.policy.Approvals;
import dev.portcullis.policy.Decision;
import dev.portcullis.policy.PolicyEngine;
import dev.portcullis.policy.PolicyRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/**
 * Identity, policy, guard and audit on the MCP surface, in one place, so that list filtering and
 * every call path ({@code tools/call}, {@code resources/read}, {@code prompts/get},
 * {@code completion/complete}, {@code resources/subscribe}) apply the same rule:
 *
 * <ol>
 *   <li>visibility: an item is listed, and reachable at all, only when the decision for
 *       {@code action: list} is not deny (persona grants, then rules);
 *   <li>the decision for the action itself (grants, CEL rules with the call's arguments and the
 *       session's history); deny refuses, require_approval asks (elicitation for session clients
 *       that can answer one, an {@code input_required} result for 2026-07-28 clients, else an
 *       administrator through {@code /admin/approvals});
 *   <li>the guard on the arguments going upstream (block refuses);
 *   <li>the limits: the caller's key, team, persona and user, and the tool rules, each reserved for
 *       the request (a tool's price on the budgets), settled when it comes back, released if it never leaves;
 *   <li>the audit trail: a tool call's {@code started} event is committed before the call goes
 *       upstream (write-ahead) and its {@code completed} event is committed before the answer goes
 *       to the client; reads and prompt gets are one {@code call} event; every refusal is one event;
 *   <li>on the way back, the guard restores pseudonymised values and scans the result.
 * </ol>
 *
 * <p>Session-aware rules read the policy {@code SessionLedger} under the legacy session id, or for
 * 2026-07-28 requests (no session) under {@code principal:ID}: one history per principal, which a
 * client cannot shed by choosing a new session hint.
 *
 * <p>Built only when something is configured (a persona, a rule, a guard rule, an audit trail);
 * without, the MCP server does no extra work per request.
 */
public final class McpGovernance {
  static final String APPROVAL_STATE = "portcullis-approval.";
  private static final String APPROVAL_KEY = "approval";
  /** The rule a client's own refusal of a call is recorded under (its {@code require_approval} setting). */
  static final String CLIENT_APPROVAL_RULE = "client:require_approval";
  private static final long ASK_TTL_MS = 10 * 60_000L;
  private static final long ELICIT_TIMEOUT_MS = 5 * 60_000L;
  private static final int SUMMARY_CHARS = 1000;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpGovernance.class);

  private final PolicyEngine policy;
  private final Guard guard;
  private final AuditWriter audit;
  private final Approvals approvals;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Asked> asked = new ConcurrentHashMap<>();
  private volatile BiFunction<CallContext, ObjectNode, String> traceIds = McpGovernance::traceparentTraceId;
  private final Accountant limits;
  private final ToolPrices prices;

  /** An approval asked of a 2026-07-28 client with an input_required result, awaiting its retry. */
  private record Asked(String principal, String view, String method, String target, String hash, long expires) {}

  /** What one request is about, as policy, guard and audit see it. */
  private record Item(String kind, String server, String name, String original, Map<String, Object> annotations,
      String traceId) {}

  /**
   * @param policy personas' grants and the rules (null: none)
   * @param guard the guard (null: none)
   * @param audit the audit writer (null: no audit trail)
   * @param approvals where approvals for administrators wait
   * @param limits the limits every action counts against (null: none)
   * @param prices what tool calls cost
   */
  public McpGovernance(PolicyEngine policy, Guard guard, AuditWriter audit, Approvals approvals, Accountant limits,
      ToolPrices prices) {
    this.policy = policy;
    this.guard = guard;
    this.audit = audit;
    this.approvals = approvals;
    this.limits = limits;
    this.prices = prices;
  }

  /**
   * Hook for tracing: how the audit trail learns a request's trace id (default: the W3C
   * {@code traceparent} in the request's {@code params._meta}, where MCP carries trace context).
   */
  public void traceIds(BiFunction<CallContext, ObjectNode, String> f) {
    this.traceIds = f;
  }

  // ---------------------------------------------------------------- lists

  /** Whether lists must be filtered for this request (it acts through a persona, or rules are in force). */
  boolean filters(CallContext ctx) {
    return policy != null && (ctx.principal().persona() != null || policy.hasRules());
  }

  /** The entries this request may see (the list rule). */
  List<Entry> visible(CallContext ctx, ItemKind kind, List<Entry> all) {
    List<Entry> out = new ArrayList<>(all.size());
    String k = kindOf(kind);
    for (Entry e : all) {
      Item item = new Item(k, e.upstream().key(), e.exposed(), e.original(), annotations(e), null);
      if (decide(ctx, item, "list", Map.of()).outcome() != Decision.Outcome.DENY) {
        out.add(e);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- calls

  /** One admitted request: what to send upstream, or an answer to give at once; {@link #finish} after. */
  final class Ticket {
    final ObjectNode params;
    final JsonNode answer;
    private final CallContext ctx;
    private final Item item;
    private final String method;
    private final GuardSession guardSession;
    private final String eventId;
    private final String summary;
    private final Decision decision;
    private final long started;
    /** What the call holds in its limits until it finishes, or null. */
    private dev.portcullis.limits.Ticket held;

    private Ticket(CallContext ctx, Item item, String method, ObjectNode params, JsonNode answer,
        GuardSession guardSession, String eventId, String summary, Decision decision, long started) {
      this.ctx = ctx;
      this.item = item;
      this.method = method;
      this.params = params;
      this.answer = answer;
      this.guardSession = guardSession;
      this.eventId = eventId;
      this.summary = summary;
      this.decision = decision;
      this.started = started;
    }

    /** The upstream's outcome: restored and scanned by the guard, then audited. */
    Future<JsonNode> finish(AsyncResult<JsonNode> ar) {
      settle(ar);
      AsyncResult<JsonNode> out = ar;
      if (ar.succeeded() && guardSession != null && guardSession.touchesResponses() && ar.result() != null) {
        try {
          McpContentGuard.result(ar.result(), guardSession::response, guardSession::responseParts);
        } catch (GuardBlockedException b) {
          out = Future.failedFuture(new McpError(McpError.GUARD_BLOCKED, b.getMessage(),
              JsonRpc.F.objectNode().put("rule", b.rule()).put("types", String.join(",", b.types()))));
        }
      }
      if (eventId != null) {
        String outcome;
        Integer status = null;
        if (out.succeeded()) {
          outcome = out.result() != null && out.result().path("isError").asBoolean(false) ? "tool_error"
              : out.result() != null && "input_required".equals(out.result().path("resultType").asText())
                  ? "input_required" : "ok";
        } else {
          outcome = "error";
          status = out.cause() instanceof McpError m ? m.code() : McpError.INTERNAL_ERROR;
        }
        boolean call = "tools/call".equals(method);
        AuditEvent.Builder b = event(ctx, call ? "completed" : "call", eventId, method, item, summary)
            .decision("allow", decision.reason(), decision.rule())
            .outcome(outcome, status, (System.nanoTime() - started) / 1_000_000);
        findings(b, guardSession, null);
        if (call) {
          // the answer goes to the client only once its completed event is committed: nothing the
          // client was told is missing from the trail after a crash (the call itself cannot be undone,
          // so a failed commit is logged and the answer still given)
          AsyncResult<JsonNode> answer = out;
          return onContext(audit.commit(b.build())).transform(c -> {
            if (c.failed()) {
              LOG.warn("could not commit the completed audit event {}: {}", eventId, c.cause().toString());
            }
            return answer.succeeded() ? Future.succeededFuture(answer.result()) : Future.failedFuture(answer.cause());
          });
        }
        audit.record(b.build());
      }
      return out.succeeded() ? Future.succeededFuture(out.result()) : Future.failedFuture(out.cause());
    }

    private Ticket holding(dev.portcullis.limits.Ticket t) {
      held = t;
      return this;
    }

    /** The request went upstream: whatever came back, the tool may have acted, so its price is charged. */
    private void settle(AsyncResult<JsonNode> ar) {
      dev.portcullis.limits.Ticket t = held;
      held = null;
      if (t != null) {
        String outcome = ar.failed() ? "error"
            : ar.result() != null && ar.result().path("isError").asBoolean(false) ? "tool_error" : "ok";
        int status = ar.failed() ? ar.cause() instanceof McpError m ? m.code() : McpError.INTERNAL_ERROR : 0;
        limits.completed(t, outcome, status, (System.nanoTime() - started) / 1_000_000);
      }
    }

    /** The request never left: gives back what it held in its limits, charging nothing. */
    private void release() {
      dev.portcullis.limits.Ticket t = held;
      held = null;
      if (t != null) {
        t.release();
      }
    }
  }

  /** A request named an item this endpoint does not have (or hides): audited as a refusal. */
  void unknown(CallContext ctx, String method, String name, ObjectNode params) {
    if (audit != null) {
      audit.record(event(ctx, "call", newId(), method, new Item("", null, name, name, Map.of(),
          traceIds.apply(ctx, params)), null)
          .decision("deny", "no such item on this endpoint", null).outcome("refused", null, 0L).build());
    }
  }

  /**
   * Admits one request for an item: decides, asks for approval when a rule says so, guards the
   * arguments and commits the write-ahead audit event. Fails with an {@link McpError} (already
   * audited) when refused.
   */
  Future<Ticket> admit(CallContext ctx, Entry e, String method, ObjectNode params) {
    long started = System.nanoTime();
    Item item = item(e, method, params, traceIds.apply(ctx, params));
    boolean reachOnly = !isAction(method); // completions, subscriptions: only the list rule
    JsonNode args = params.path("arguments");
    Map<String, Object> arguments = reachOnly || !args.isObject() ? Map.of() : toMap(args);
    Decision d = decide(ctx, item, reachOnly ? "list" : method, arguments);
    if (d.outcome() == Decision.Outcome.DENY) {
      return refuse(ctx, method, item, null, d, null, new McpError(McpError.POLICY_DENIED,
          "Denied by policy (" + d.rule() + "): " + d.reason(), JsonRpc.F.objectNode().put("rule", d.rule())));
    }
    if (reachOnly) {
      return Future.succeededFuture(new Ticket(ctx, item, method, params, null, null, null, null, d, started));
    }
    ClientApproval client = ctx.clientApproval();
    if (client != null && !client.approved()) { // the client's own refusal, audited like a person's
      String why = "not approved by the client (" + client.requestId() + ")"
          + (client.reason() == null || client.reason().isBlank() ? "" : ": " + audited(cut(client.reason())));
      return refused(ctx, method, item, null, Decision.deny(CLIENT_APPROVAL_RULE, why),
          new McpError(McpError.POLICY_DENIED, "Not run: " + why, JsonRpc.F.objectNode()
              .put("rule", CLIENT_APPROVAL_RULE).put("approval_request_id", client.requestId())), "not_approved");
    }
    // the guard on the way in, before any approval is asked: reviewers see what would go upstream
    GuardSession gs = guard == null ? null : guard.session(GuardContext.mcp(method, item.server(), item.original(),
        keyId(ctx.principal()), personaOrKind(ctx.principal())));
    ObjectNode send = params;
    if (gs != null && gs.scansRequests() && args.isContainerNode()) {
      send = params.deepCopy();
      try {
        McpContentGuard.arguments(send.get("arguments"), gs::request);
      } catch (GuardBlockedException b) {
        return refuse(ctx, method, item, null, Decision.deny(b.rule(), "guard_blocked: " + String.join(",", b.types())),
            gs, new McpError(McpError.GUARD_BLOCKED, b.getMessage(), JsonRpc.F.objectNode().put("rule", b.rule())
                .put("types", String.join(",", b.types()))));
      }
    }
    String summary = summary(send, gs);
    ObjectNode upstream = send;
    Future<Decision> allowed = d.outcome() == Decision.Outcome.REQUIRE_APPROVAL
        ? approve(ctx, e, method, item, params, upstream, d, summary)
        : Future.succeededFuture(d);
    return allowed.compose(ok -> {
      if (ok.outcome() == Decision.Outcome.REQUIRE_APPROVAL) { // an input_required answer to give
        ObjectNode required = inputRequired(ctx, method, item, params, ok);
        refusal(ctx, method, item, summary, ok, gs, "input_required", null);
        return Future.succeededFuture(new Ticket(ctx, item, method, upstream, required, null, null, null, ok,
            started));
      }
      // the limits, last of the checks: a request that will go upstream reserves in every scope
      Future<Accountant.Admission> admitted = limits == null ? Future.succeededFuture(NO_LIMITS)
          : limits.admission(Demand.mcp(newId(), ctx.principal(), method, item.server(), item.name(),
              "tools/call".equals(method) ? prices.nanos(item.server(), item.original()) : 0));
      return admitted.compose(a -> {
        if (a.refusal() != null) {
          return refused(ctx, method, item, summary, Decision.deny(LimitRefusals.rule(a.refusal()),
              a.refusal().kind().limit() + ": " + a.refusal().message()), LimitRefusals.error(a.refusal()),
              LimitRefusals.outcome(a.refusal()));
        }
        return admitted(ctx, method, item, params, arguments, upstream, gs, summary, ok, started, a.ticket(), client);
      });
    });
  }

  /** No limits apply: admitted, holding nothing. */
  private static final Accountant.Admission NO_LIMITS = new Accountant.Admission(null, null);

  /** After the limits admitted the request: records it and commits its write-ahead audit event. */
  private Future<Ticket> admitted(CallContext ctx, String method, Item item, ObjectNode params,
      Map<String, Object> arguments, ObjectNode upstream, GuardSession gs, String summary, Decision ok, long started,
      dev.portcullis.limits.Ticket slot, ClientApproval client) {
    try {
      if (policy != null && ctx.principal() != null) {
        policy.record(request(ctx, item, method, arguments));
      }
      if (params.path("requestState").asText("").startsWith(APPROVAL_STATE)) {
        upstream.remove(List.of("requestState", "inputResponses")); // the gateway's own approval round
      }
      if (audit == null) {
        return Future.succeededFuture(new Ticket(ctx, item, method, upstream, null, gs, null, null, ok, started)
            .holding(slot));
      }
      String id = newId();
      if (!"tools/call".equals(method)) {
        return Future.succeededFuture(new Ticket(ctx, item, method, upstream, null, gs, id, summary, ok, started)
            .holding(slot));
      }
      AuditEvent.Builder b = event(ctx, "started", id, method, item, summary)
          .decision("allow", withClient(ok.reason(), client), ok.rule());
      findings(b, gs, null);
      // write-ahead: the call leaves only once its audit event is committed
      Ticket ticket = new Ticket(ctx, item, method, upstream, null, gs, id, summary, ok, started).holding(slot);
      return onContext(audit.commit(b.build())).transform(ar -> {
        if (ar.succeeded()) {
          return Future.succeededFuture(ticket);
        }
        ticket.release();
        return Future.failedFuture(new McpError(McpError.INTERNAL_ERROR,
            "The call was not sent: the audit trail could not record it"));
      });
    } catch (RuntimeException x) { // nothing left: what the call reserved goes back
      if (slot != null) {
        slot.release();
      }
      throw x;
    }
  }

  /** The reason a call was allowed, with the client's approval when the client gave one. */
  private static String withClient(String reason, ClientApproval client) {
    if (client == null) {
      return reason;
    }
    String approved = "approved by the client (" + client.requestId() + ")";
    return reason == null ? approved : reason + "; " + approved;
  }

  private static boolean isAction(String method) {
    return "tools/call".equals(method) || "resources/read".equals(method) || "prompts/get".equals(method);
  }

  /** Grants and rules; the list rule too for actions, so that nothing hidden is reachable. */
  private Decision decide(CallContext ctx, Item item, String action, Map<String, Object> arguments) {
    if (!filters(ctx)) {
      return Decision.ALLOW;
    }
    PolicyRequest r = request(ctx, item, action, arguments);
    Decision d = policy.decide(r);
    if (d.outcome() != Decision.Outcome.DENY && !"list".equals(action) && policy.hasRules()) {
      Decision listed = policy.decide(request(ctx, item, "list", Map.of()));
      if (listed.outcome() == Decision.Outcome.DENY) {
        return listed;
      }
    }
    return d;
  }

  private PolicyRequest request(CallContext ctx, Item item, String action, Map<String, Object> arguments) {
    Principal p = ctx.principal();
    return PolicyRequest.mcp(p, p == null ? null : p.persona(), action, item.kind(), item.server(), item.name(),
        item.original(), arguments, item.annotations(), ledgerKey(ctx), ctx.clientIp());
  }

  /** Whose history session-aware rules read: the legacy session, else the principal's. */
  static String ledgerKey(CallContext ctx) {
    if (ctx.session() != null) {
      return ctx.session().id();
    }
    return ctx.principal() == null ? null : "principal:" + ctx.principal().id();
  }

  // ---------------------------------------------------------------- approvals

  /**
   * A rule requires approval: succeeds with the decision that lets the call go, with a
   * require_approval decision when an input_required answer must go to the client, or fails
   * (audited) when refused or still waiting for an administrator.
   */
  private Future<Decision> approve(CallContext ctx, Entry e, String method, Item item, ObjectNode params,
      ObjectNode upstream, Decision d, String summary) {
    String hash = argumentsHash(method, params);
    return approvals.useAsync(ctx.principal().id(), method, item.name(), hash)
        .compose(found -> approve(ctx, method, item, params, upstream, d, summary, hash, found));
  }

  private Future<Decision> approve(CallContext ctx, String method, Item item, ObjectNode params,
      ObjectNode upstream, Decision d, String summary, String hash, Approvals.Lookup found) {
    String principal = ctx.principal().id();
    if (found.approved() != null) {
      return Future.succeededFuture(new Decision(Decision.Outcome.ALLOW, d.rule(),
          "approved by an administrator (" + found.approved().id() + ")"));
    }
    if (found.open() != null && found.open().status() == Approvals.Status.DENIED) {
      return refused(ctx, method, item, summary, d, new McpError(McpError.POLICY_DENIED, "Denied by an administrator ("
          + found.open().id() + "; rule " + d.rule() + "): " + d.reason(),
          JsonRpc.F.objectNode().put("rule", d.rule()).put("approval_id", found.open().id())), "denied");
    }
    JsonNode caps = ctx.clientCapabilities();
    boolean canElicit = !caps.path("elicitation").isMissingNode();
    if (ctx.modern()) {
      String state = params.path("requestState").asText(null);
      if (state != null && state.startsWith(APPROVAL_STATE)) {
        Asked a = asked.remove(state);
        if (a == null || a.expires() < System.currentTimeMillis() || !a.principal().equals(principal)
            || !a.view().equals(ctx.view()) || !a.method().equals(method) || !a.target().equals(item.name())
            || !a.hash().equals(hash)) {
          return Future.failedFuture(McpError.invalidParams(
              "requestState is unknown, expired or belongs to another request: call again without it"));
        }
        return userAnswer(ctx, method, item, summary, d, params.path("inputResponses").path(APPROVAL_KEY));
      }
      if (canElicit) {
        return Future.succeededFuture(d); // the caller answers input_required
      }
    } else if (ctx.session() != null && canElicit) {
      Promise<JsonNode> answer = Promise.promise();
      ctx.session().askClient("elicitation/create", elicitation(item, d), ctx.related()).onComplete(answer);
      Context c = Vertx.currentContext();
      if (c != null) {
        long timer = c.owner().setTimer(ELICIT_TIMEOUT_MS, t -> answer.tryFail(new McpError(McpError.INTERNAL_ERROR,
            "no answer to the approval request")));
        answer.future().onComplete(x -> c.owner().cancelTimer(timer));
      }
      return answer.future().transform(ar -> ar.succeeded() ? userAnswer(ctx, method, item, summary, d, ar.result())
          : refused(ctx, method, item, summary, d, new McpError(McpError.POLICY_DENIED, "Approval (rule " + d.rule()
              + ") could not be obtained from the user: " + ar.cause().getMessage(),
              JsonRpc.F.objectNode().put("rule", d.rule())), "not_approved"));
    }
    Future<Approvals.Approval> opened = found.open() != null ? Future.succeededFuture(found.open())
        : approvals.requestAsync(principal, personaName(ctx.principal()), method, item.server(), item.name(), hash,
            summaryForReview(upstream), d.rule(), d.reason());
    return opened.compose(pending -> refused(ctx, method, item, summary, d, new McpError(McpError.APPROVAL_REQUIRED,
        "This request needs approval (" + d.rule() + "): " + d.reason() + ". Approval " + pending.id() + " is"
        + " pending: an administrator can approve it (POST /admin/approvals/" + pending.id() + "/approve); then"
        + " send the same request again.", JsonRpc.F.objectNode().put("rule", d.rule())
            .put("approval_id", pending.id()).put("status", "pending")), "pending_approval"));
  }

  private Future<Decision> userAnswer(CallContext ctx, String method, Item item, String summary, Decision d,
      JsonNode answer) {
    if ("accept".equals(answer.path("action").asText())) {
      return Future.succeededFuture(new Decision(Decision.Outcome.ALLOW, d.rule(), "approved by the user"));
    }
    String action = answer.path("action").asText("no answer");
    return refused(ctx, method, item, summary, d, new McpError(McpError.POLICY_DENIED, "Not approved by the user ("
        + action + "; rule " + d.rule() + "): " + d.reason(), JsonRpc.F.objectNode().put("rule", d.rule())),
        "not_approved");
  }

  private ObjectNode inputRequired(CallContext ctx, String method, Item item, ObjectNode params, Decision d) {
    long now = System.currentTimeMillis();
    asked.values().removeIf(a -> a.expires() < now);
    String state = APPROVAL_STATE + token();
    asked.put(state, new Asked(ctx.principal().id(), ctx.view(), method, item.name(), argumentsHash(method, params),
        now + ASK_TTL_MS));
    ObjectNode r = JsonRpc.F.objectNode().put("resultType", "input_required");
    ObjectNode req = r.putObject("inputRequests").putObject(APPROVAL_KEY).put("method", "elicitation/create");
    req.set("params", elicitation(item, d));
    r.put("requestState", state);
    return r;
  }

  private static ObjectNode elicitation(Item item, Decision d) {
    ObjectNode p = JsonRpc.F.objectNode().put("mode", "form").put("message", "The gateway needs your approval to "
        + ("tool".equals(item.kind()) ? "call the tool " : "use the " + item.kind() + " ") + item.name() + ": "
        + d.reason() + " (rule " + d.rule() + "). Accept to proceed, decline to refuse.");
    p.putObject("requestedSchema").put("type", "object").putObject("properties");
    return p;
  }

  // ---------------------------------------------------------------- audit

  private <T> Future<T> refuse(CallContext ctx, String method, Item item, String summary, Decision d,
      GuardSession gs, McpError error) {
    refusal(ctx, method, item, summary, d, gs, "refused", error);
    return Future.failedFuture(error);
  }

  private <T> Future<T> refused(CallContext ctx, String method, Item item, String summary, Decision d,
      McpError error, String outcome) {
    refusal(ctx, method, item, summary, d, null, outcome, error);
    return Future.failedFuture(error);
  }

  private void refusal(CallContext ctx, String method, Item item, String summary, Decision d, GuardSession gs,
      String outcome, McpError error) {
    if (audit == null) {
      return;
    }
    String decision = d.outcome() == Decision.Outcome.REQUIRE_APPROVAL && !"denied".equals(outcome)
        && !"not_approved".equals(outcome) ? "require_approval" : "deny";
    AuditEvent.Builder b = event(ctx, "call", newId(), method, item, summary).decision(decision, d.reason(), d.rule())
        .outcome(outcome, error == null ? null : error.code(), 0L);
    findings(b, gs, null);
    audit.record(b.build());
  }

  private AuditEvent.Builder event(CallContext ctx, String phase, String id, String method, Item item,
      String summary) {
    AuditEvent.Builder b = AuditEvent.builder(id, phase, "mcp").action(method)
        .target(audited(item.server() == null ? item.name() : item.server() + "/" + item.original()))
        .arguments(summary);
    // the caller's fields as every surface extracts them: one shape for model and tool calls
    return CallFacts.of(ctx.principal(), clientApp(ctx), ctx.clientIp(),
        ctx.session() == null ? null : ctx.session().id(), item.traceId())
        .describe(b, ctx.requestId() == null ? null : ctx.requestId().asText());
  }

  /**
   * What the audit trail may keep of a text that reached the gateway (arguments as sent, a
   * resource URI, which must reach the upstream unchanged): no value a detector finds, raw.
   */
  private String audited(String text) {
    return guard == null ? text : guard.forAudit(text);
  }

  private static void findings(AuditEvent.Builder b, GuardSession gs, String extra) {
    if (gs != null && !gs.findingTypes().isEmpty()) {
      b.guardFindings(String.join(",", gs.findingTypes()));
    } else if (extra != null) {
      b.guardFindings(extra);
    }
  }

  /** The default trace id: from {@code params._meta.traceparent} (set by tracing or the client), else none. */
  static String traceparentTraceId(CallContext ctx, ObjectNode params) {
    if (params == null) {
      return null;
    }
    String tp = params.path("_meta").path("traceparent").asText("");
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

  /**
   * What the audit trail keeps of the arguments: the arguments as they went upstream when the guard
   * scanned them (with what a {@code log} rule let through hashed); a resource URI with detected
   * values hashed; otherwise only their shape (names, types, lengths), never raw values.
   */
  private String summary(ObjectNode params, GuardSession gs) {
    JsonNode args = params.get("arguments");
    if (args == null) {
      JsonNode uri = params.get("uri");
      return uri == null ? null : cut(audited(uri.asText()));
    }
    return cut(gs != null && gs.scansRequests() ? audited(args.toString()) : shape(args).toString());
  }

  /** What a reviewer sees: the arguments as they would go upstream (after the guard). */
  private static String summaryForReview(ObjectNode params) {
    JsonNode args = params.get("arguments");
    return cut(args == null ? params.path("uri").asText(null) : args.toString());
  }

  private static JsonNode shape(JsonNode n) {
    if (n.isObject()) {
      ObjectNode o = JsonRpc.F.objectNode();
      n.fields().forEachRemaining(f -> o.set(f.getKey(), shape(f.getValue())));
      return o;
    }
    if (n.isArray()) {
      return JsonRpc.F.textNode("array(" + n.size() + ")");
    }
    if (n.isTextual()) {
      return JsonRpc.F.textNode("string(" + n.textValue().length() + ")");
    }
    return JsonRpc.F.textNode(n.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
  }

  private static String cut(String s) {
    return s == null || s.length() <= SUMMARY_CHARS ? s : s.substring(0, SUMMARY_CHARS) + "...";
  }

  // ---------------------------------------------------------------- helpers

  private static Item item(Entry e, String method, ObjectNode params, String trace) {
    Map<String, Object> ann = annotations(e);
    return switch (method) {
      case "resources/read", "resources/subscribe", "resources/unsubscribe" -> {
        String uri = params.path("uri").asText(e.exposed());
        yield new Item("resource", e.upstream().key(), uri, uri, ann, trace);
      }
      case "completion/complete" -> new Item("ref/prompt".equals(params.path("ref").path("type").asText())
          ? "prompt" : "resource", e.upstream().key(), e.exposed(), e.original(), ann, trace);
      case "prompts/get" -> new Item("prompt", e.upstream().key(), e.exposed(), e.original(), ann, trace);
      default -> new Item("tool", e.upstream().key(), e.exposed(), e.original(), ann, trace);
    };
  }

  private static String kindOf(ItemKind kind) {
    return switch (kind) {
      case TOOLS -> "tool";
      case PROMPTS -> "prompt";
      case RESOURCES, TEMPLATES -> "resource";
    };
  }

  private static Map<String, Object> annotations(Entry e) {
    JsonNode a = e.definition().get("annotations");
    return a != null && a.isObject() && !a.isEmpty() ? toMap(a) : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> toMap(JsonNode n) {
    return MAPPER.convertValue(n, Map.class);
  }

  private static String keyId(Principal p) {
    return p == null ? null : p.key() != null ? p.key().id() : p.id();
  }

  private static String personaName(Principal p) {
    return p == null || p.persona() == null ? null : p.persona().name();
  }

  /** What guard rules' {@code personas} match: the persona, else the principal's kind (as on the LLM routes). */
  private static String personaOrKind(Principal p) {
    return p == null ? null : p.persona() != null ? p.persona().name() : p.kind();
  }

  /** What an approval binds to: the arguments, or the URI for reads. */
  static String argumentsHash(String method, ObjectNode params) {
    return dev.portcullis.policy.ApprovalHash.of(method,
        params.has("arguments") ? params.get("arguments") : params.path("uri"));
  }

  private String newId() {
    byte[] b = new byte[12];
    random.nextBytes(b);
    return "mcp_" + HexFormat.of().formatHex(b);
  }

  private String token() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static <T> Future<T> onContext(java.util.concurrent.CompletionStage<T> stage) {
    Context c = Vertx.currentContext();
    return c == null ? Future.fromCompletionStage(stage) : Future.fromCompletionStage(stage, c);
  }
}

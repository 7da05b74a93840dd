package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.limits.RateState;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ResponseFilter;
import dev.portcullis.policy.Decision;
import java.util.Map;

/**
 * One request, whichever surface it came in on, as the stages see it: built once at the edge
 * from the one parse of the body. The identity part is fixed; the stages note what they decided
 * and took in the typed fields below (read by later stages and by their own {@code finish}), so
 * nothing travels in string-keyed context entries or maps keyed by request id.
 *
 * <p>A call is handled on one event loop at a time; {@link #abandon} may come from any thread.
 */
public final class Call {
  /**
   * What the call acts on: a model, or an MCP server's tool, prompt or resource.
   *
   * @param name the model, or the item's name as the caller sees it (a resource's URI)
   * @param original the item's name on its server (the model again for models)
   * @param annotations the item's annotations (tools' hints), which policy rules may read
   */
  public record Target(String kind, String server, String name, String original, Map<String, Object> annotations) {
    public static Target model(String model) {
      return new Target("model", null, model, model, Map.of());
    }

    /** @param kind tool, prompt or resource ("" when nothing was found by that name) */
    public static Target item(String kind, String server, String name, String original,
        Map<String, Object> annotations) {
      return new Target(kind, server, name, original, annotations);
    }

    /** The audit trail's target text: the model, or server/item under its server's own name. */
    public String audited() {
      return server == null ? name : server + "/" + original;
    }
  }

  /**
   * Where the call came from, for policy and the audit trail. Any part may be null.
   *
   * @param requestId the client's own id of the request (a JSON-RPC id), when it differs from the gateway's
   */
  public record Client(String ip, String app, String sessionId, String requestId) {
    public Client(String ip, String app, String sessionId) {
      this(ip, app, sessionId, null);
    }
  }

  /**
   * What a call on a tool, prompt or resource needs beyond its target (MCP; null on model calls).
   *
   * @param reachOnly the call only reaches the item (a completion, a subscription): only the rule
   *     that lists the item applies, and nothing else is taken or audited unless it is refused
   * @param toolCall a tool call: it may act on the world, so its start is committed to the audit
   *     trail before it leaves (write-ahead) and it is charged at the tool's price
   * @param historyKey whose history session-aware policy rules read and extend
   * @param consent how the caller's user may be asked to approve the call, or null (an administrator decides)
   * @param clientApproved the id of the approval request the client itself answered yes to (an
   *     agent's {@code mcp_approval_response}), recorded with the decision; null when none
   */
  public record Item(boolean reachOnly, boolean toolCall, String historyKey, Consent consent, String clientApproved) {}

  private final String requestId;
  private final Surface surface;
  private final String action;
  private final Principal principal;
  private final Target target;
  private final ObjectNode content;
  private final LlmRequest model;
  private final Item item;
  private final Client client;
  private final String traceId;
  private final long startNanos;

  private Decision decision = Decision.ALLOW;
  private LlmRequest forwarded;
  private ObjectNode forwardedContent;
  private dev.portcullis.limits.Ticket held;
  private boolean wroteAhead;
  private ResponseFilter responseFilter;
  private GuardSession guardSession;
  private RateState rate;
  private boolean admittedByLimits;
  private volatile boolean abandoned;

  /**
   * @param action what the call does: chat_completions, embeddings, messages, count_tokens, tools/call...
   * @param content the parsed body (or the JSON-RPC params), or null when none could be parsed
   * @param model the model request (LLM surfaces), or null
   * @param traceId the trace the call belongs to, or null
   */
  public Call(String requestId, Surface surface, String action, Principal principal, Target target,
      ObjectNode content, LlmRequest model, Client client, String traceId, long startNanos) {
    this(requestId, surface, action, principal, target, content, model, null, client, traceId, startNanos);
  }

  /** A call on a tool, prompt or resource: {@code content} is the request's params. */
  public static Call onItem(String requestId, Surface surface, String action, Principal principal, Target target,
      ObjectNode content, Item item, Client client, String traceId, long startNanos) {
    return new Call(requestId, surface, action, principal, target, content, null, item, client, traceId, startNanos);
  }

  private Call(String requestId, Surface surface, String action, Principal principal, Target target,
      ObjectNode content, LlmRequest model, Item item, Client client, String traceId, long startNanos) {
    this.requestId = requestId;
    this.surface = surface;
    this.action = action;
    this.principal = principal;
    this.target = target;
    this.content = content;
    this.model = model;
    this.item = item;
    this.forwarded = model;
    this.forwardedContent = content;
    this.client = client;
    this.traceId = traceId;
    this.startNanos = startNanos;
  }

  public String requestId() {
    return requestId;
  }

  public Surface surface() {
    return surface;
  }

  public String action() {
    return action;
  }

  /** Who calls, with the persona it acts through; null only on routes without authentication. */
  public Principal principal() {
    return principal;
  }

  public Persona persona() {
    return principal == null ? null : principal.persona();
  }

  public Target target() {
    return target;
  }

  public ObjectNode content() {
    return content;
  }

  /** The model request as the client sent it, or null (not a model call). */
  public LlmRequest model() {
    return model;
  }

  /** The call on a tool, prompt or resource, or null (a model call). */
  public Item item() {
    return item;
  }

  /** Whether this is a call on an item that acts on it (not a model call, not one that only reaches it). */
  boolean actsOnItem() {
    return item != null && !item.reachOnly();
  }

  /**
   * What an approval of the call binds to besides its caller, action and target: a tool's or
   * prompt's arguments, a resource's URI, a model request's body.
   */
  public com.fasterxml.jackson.databind.JsonNode approvalSubject() {
    if (item == null || content == null) {
      return content;
    }
    return content.has("arguments") ? content.get("arguments") : content.path("uri");
  }

  public Client client() {
    return client;
  }

  public String traceId() {
    return traceId;
  }

  public long startNanos() {
    return startNanos;
  }

  // ---------------------------------------------------------------- what the stages decided and took

  /** The authorize stage's decision (allow until it decided). */
  public Decision decision() {
    return decision;
  }

  void decided(Decision d) {
    this.decision = d;
  }

  /** The model request to send upstream: the client's, or the guard's rewrite of it. */
  public LlmRequest forwarded() {
    return forwarded;
  }

  /** Rewrites the answer on its way back to the client (the guard's), or null. */
  public ResponseFilter responseFilter() {
    return responseFilter;
  }

  void guarded(LlmRequest request, ResponseFilter filter, GuardSession session) {
    this.forwarded = request;
    this.responseFilter = filter;
    this.guardSession = session;
  }

  /** The item request's params to send upstream: the client's, or the guard's rewrite of them. */
  public ObjectNode forwardedContent() {
    return forwardedContent;
  }

  void guarded(ObjectNode params, GuardSession session) {
    this.forwardedContent = params;
    this.guardSession = session;
  }

  /** What the call holds in its limits until it finishes (a tool call's reservation), or null. */
  dev.portcullis.limits.Ticket held() {
    return held;
  }

  void hold(dev.portcullis.limits.Ticket t) {
    this.held = t;
  }

  /** Whether the audit trail committed the call's start before it left (write-ahead). */
  boolean wroteAhead() {
    return wroteAhead;
  }

  void wroteAhead(boolean w) {
    this.wroteAhead = w;
  }

  /** The guard session when a rule applied (findings for the audit trail), or null. */
  public GuardSession guardSession() {
    return guardSession;
  }

  /** The rate limits' state after admission (for the surfaces' rate-limit headers), or null. */
  public RateState rate() {
    return rate;
  }

  void rated(RateState r) {
    this.rate = r;
  }

  boolean admittedByLimits() {
    return admittedByLimits;
  }

  void admittedByLimits(boolean admitted) {
    this.admittedByLimits = admitted;
  }

  /** The client went away: a stage that waits (for an approval) stops waiting. */
  public void abandon() {
    abandoned = true;
  }

  public boolean abandoned() {
    return abandoned;
  }
}

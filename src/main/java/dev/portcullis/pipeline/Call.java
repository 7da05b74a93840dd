package dev.portcullis.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.guard.GuardSession;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.limits.RateState;
import dev.portcullis.llm.LlmRequest;
import dev.portcullis.llm.ResponseFilter;
import dev.portcullis.policy.Decision;

/**
 * One request, whichever surface it came in on, as the stages see it: built once at the edge
 * from the one parse of the body. The identity part is fixed; the stages note what they decided
 * and took in the typed fields below (read by later stages and by their own {@code finish}), so
 * nothing travels in string-keyed context entries or maps keyed by request id.
 *
 * <p>A call is handled on one event loop at a time; {@link #abandon} may come from any thread.
 */
public final class Call {
  /** What the call acts on: a model, or an MCP server's tool, prompt or resource. */
  public record Target(String kind, String server, String name) {
    public static Target model(String model) {
      return new Target("model", null, model);
    }

    /** The audit trail's target text: the model, or server/item. */
    public String audited() {
      return server == null ? name : server + "/" + name;
    }
  }

  /** Where the call came from, for policy and the audit trail. Any part may be null. */
  public record Client(String ip, String app, String sessionId) {}

  private final String requestId;
  private final Surface surface;
  private final String action;
  private final Principal principal;
  private final Target target;
  private final ObjectNode content;
  private final LlmRequest model;
  private final Client client;
  private final String traceId;
  private final long startNanos;

  private Decision decision = Decision.ALLOW;
  private LlmRequest forwarded;
  private ResponseFilter responseFilter;
  private GuardSession guardSession;
  private RateState rate;
  private boolean admittedByLimits;
  private Persona slot;
  private volatile boolean abandoned;

  /**
   * @param action what the call does: chat_completions, embeddings, messages, count_tokens, tools/call...
   * @param content the parsed body (or the JSON-RPC params), or null when none could be parsed
   * @param model the model request (LLM surfaces), or null
   * @param traceId the trace the call belongs to, or null
   */
  public Call(String requestId, Surface surface, String action, Principal principal, Target target,
      ObjectNode content, LlmRequest model, Client client, String traceId, long startNanos) {
    this.requestId = requestId;
    this.surface = surface;
    this.action = action;
    this.principal = principal;
    this.target = target;
    this.content = content;
    this.model = model;
    this.forwarded = model;
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

  /** The persona whose parallel slot this tool call holds. */
  void holdSlot(Persona p) {
    this.slot = p;
  }

  /** The persona whose slot the call held (now given back), or null. */
  Persona releaseSlot() {
    Persona p = slot;
    slot = null;
    return p;
  }

  /** The client went away: a stage that waits (for an approval) stops waiting. */
  public void abandon() {
    abandoned = true;
  }

  public boolean abandoned() {
    return abandoned;
  }
}

package dev.portcullis.telemetry;

import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.CallSummary;
import io.vertx.ext.web.RoutingContext;

/**
 * What one HTTP request came to, filled in while it is served by whoever knows (the LLM proxy,
 * the MCP endpoint, the error responders) and written as one access-log line when it ends.
 * Confined to the request's event loop.
 *
 * <p>The outcome is {@code ok}, {@code refused:<reason>} (the gateway said no: authentication,
 * model, limits, policy, guard, bad input), {@code error:<code>} (the gateway or an upstream
 * failed) or {@code aborted} (the client left before the answer ended).
 */
public final class AccessRecord {
  /** Where the record is kept in the request's routing context. */
  public static final String KEY = "portcullis.access";
  /**
   * The error code an error responder wrote into its body, handed over in this response header;
   * the access log reads and removes it before the head goes out, so clients never see it.
   */
  public static final String CODE_HEADER = "x-portcullis-outcome-code";
  public static final String OK = "ok";
  public static final String ABORTED = "aborted";
  public static final String REFUSED = "refused:";
  public static final String ERROR = "error:";

  private final Runnable ended;
  private boolean proxied;
  private boolean summarised;
  private String outcome;
  private String code;
  private String model;
  private String deployment;
  private String mcpMethod;
  private String mcpName;
  private long promptTokens;
  private long completionTokens;

  /** @param ended writes the record (once); run again when a proxied call's summary arrives */
  public AccessRecord(Runnable ended) {
    this.ended = ended;
  }

  /** The request's record, or null (none is kept: a request that never reached the router). */
  public static AccessRecord of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  /**
   * Told how a proxied LLM call ended: its model, deployment, tokens and outcome. The proxy ends
   * the response before it sums the call up, so a proxied request's line waits for the summary.
   */
  public CallObserver call() {
    proxied = true;
    return s -> {
      summarised = true;
      model = s.model();
      deployment = s.deployment() == null ? null : s.deployment().name();
      promptTokens = s.usage().promptTokens();
      completionTokens = s.usage().completionTokens();
      outcome = outcomeOf(s);
      ended.run();
    };
  }

  /** Whether the line must wait: the request went to the proxy, which has not summed it up yet. */
  public boolean awaitingCall() {
    return proxied && !summarised;
  }

  private static String outcomeOf(CallSummary s) {
    if ("ok".equals(s.outcome())) {
      return OK;
    }
    if ("client_closed".equals(s.outcome())) {
      return ABORTED;
    }
    // a refusal the guard made on the answer is the gateway saying no; the rest are failures
    return ("guard_blocked".equals(s.outcome()) ? REFUSED : ERROR) + s.outcome();
  }

  /** An MCP request: its JSON-RPC method and the tool, prompt or resource it names (or null). */
  public void mcp(String method, String name) {
    mcpMethod = method;
    mcpName = name;
  }

  /** The outcome, decided by the component that knows it (overrides what the status would say). */
  public void outcome(String outcome) {
    this.outcome = outcome;
  }

  /** The error code an error responder wrote (see {@link #CODE_HEADER}). */
  public void code(String code) {
    this.code = code;
  }

  /** The model a refused LLM request asked for (proxied calls learn it from their summary). */
  public void model(String model) {
    this.model = model;
  }

  /**
   * The outcome: {@code aborted} when the answer never ended (the client went away), else as set,
   * else from the status and the error code: 4xx is a refusal, 5xx an error.
   */
  public String outcome(int status, boolean ended) {
    if (!ended) {
      return ABORTED; // whatever a handler concluded, the client did not get it
    }
    if (outcome != null) {
      return outcome;
    }
    if (status < 400) {
      return OK;
    }
    String why = code != null ? code : defaultCode(status);
    return (status < 500 ? REFUSED : ERROR) + why;
  }

  private static String defaultCode(int status) {
    return switch (status) {
      case 401 -> "unauthenticated";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "request_too_large";
      case 429 -> "rate_limited";
      default -> "http_" + status;
    };
  }

  public String model() {
    return model;
  }

  public String deployment() {
    return deployment;
  }

  public String mcpMethod() {
    return mcpMethod;
  }

  public String mcpName() {
    return mcpName;
  }

  public long promptTokens() {
    return promptTokens;
  }

  public long completionTokens() {
    return completionTokens;
  }
}

package dev.portcullis.audit;

import java.nio.charset.StandardCharsets;

/**
 * One audit event: who did what, through which surface, what was decided and why, how it
 * ended. An MCP tool call is two events with one {@code id}: {@code started} (written before the
 * call goes upstream) and {@code completed}; an LLM call is one {@code call} event. Values that
 * do not apply are null. Arguments are a summary after the guard, never raw secrets.
 *
 * @param seq position in the chain (0 until written)
 * @param phase call, started or completed
 * @param surface llm or mcp
 * @param action chat_completions, messages, embeddings, tools/call, resources/read...
 * @param target the model, or server/tool
 * @param decision allow or deny
 * @param reason why (policy id, limit, guard finding), when denied or changed
 * @param guardFindings data types the guard found, comma separated
 * @param costNanos billionths of a US dollar, or null
 * @param chain how {@code hash} was made: {@link ChainDigest#LEGACY} or {@code hmac-sha256:KEYID}
 */
public record AuditEvent(long seq, String id, long ts, String phase, String surface, String action, String principal,
    String principalKind, String keyId, String persona, String clientApp, String clientIp, String target,
    String arguments, String decision, String reason, String policyId, String guardFindings, String outcome,
    Integer status, Long latencyMs, Long promptTokens, Long completionTokens, Long costNanos, String traceId,
    String sessionId, String requestId, String chain, String prevHash, String hash) implements AuditRecord {

  public static final String GENESIS = "0".repeat(64);

  /** This event placed in the chain after {@code prev}: its sequence number and hash set by {@code digest}. */
  public AuditEvent chained(long newSeq, String prev, ChainDigest digest) {
    AuditEvent e = new AuditEvent(newSeq, id, ts, phase, surface, action, principal, principalKind, keyId, persona,
        clientApp, clientIp, target, arguments, decision, reason, policyId, guardFindings, outcome, status, latencyMs,
        promptTokens, completionTokens, costNanos, traceId, sessionId, requestId, digest.label(), prev, null);
    return e.withHash(digest.hash(e));
  }

  /** The same event with another hash (the digest sets it; tests forge it). */
  public AuditEvent withHash(String h) {
    return new AuditEvent(seq, id, ts, phase, surface, action, principal, principalKind, keyId, persona, clientApp,
        clientIp, target, arguments, decision, reason, policyId, guardFindings, outcome, status, latencyMs,
        promptTokens, completionTokens, costNanos, traceId, sessionId, requestId, chain, prevHash, h);
  }

  /**
   * The bytes a digest covers: the previous hash and every field, each length-prefixed (no
   * ambiguity). A keyed event's chain label comes first, so that relabelling it changes the MAC;
   * a legacy event's bytes are exactly what the unkeyed chain hashed.
   */
  byte[] canonical() {
    StringBuilder b = new StringBuilder(512);
    if (!ChainDigest.LEGACY.equals(chain)) {
      b.append(chain.length()).append(':').append(chain).append('|');
    }
    Object[] fields = {seq, id, ts, phase, surface, action, principal, principalKind, keyId, persona, clientApp,
        clientIp, target, arguments, decision, reason, policyId, guardFindings, outcome, status, latencyMs,
        promptTokens, completionTokens, costNanos, traceId, sessionId, requestId, prevHash};
    for (Object f : fields) {
      if (f == null) {
        b.append("-1:");
      } else {
        String s = f.toString();
        b.append(s.length()).append(':').append(s);
      }
      b.append('|');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A builder, for the many optional fields. */
  public static Builder builder(String id, String phase, String surface) {
    return new Builder(id, phase, surface);
  }

  /** Fills an event field by field. */
  public static final class Builder {
    private final String id;
    private final String phase;
    private final String surface;
    private long ts = System.currentTimeMillis();
    private String action;
    private String principal;
    private String principalKind;
    private String keyId;
    private String persona;
    private String clientApp;
    private String clientIp;
    private String target;
    private String arguments;
    private String decision = "allow";
    private String reason;
    private String policyId;
    private String guardFindings;
    private String outcome;
    private Integer status;
    private Long latencyMs;
    private Long promptTokens;
    private Long completionTokens;
    private Long costNanos;
    private String traceId;
    private String sessionId;
    private String requestId;

    Builder(String id, String phase, String surface) {
      this.id = id;
      this.phase = phase;
      this.surface = surface;
    }

    public Builder ts(long v) { ts = v; return this; }
    public Builder action(String v) { action = v; return this; }
    public Builder who(String principal, String kind, String key, String persona) {
      this.principal = principal;
      this.principalKind = kind;
      this.keyId = key;
      this.persona = persona;
      return this;
    }
    public Builder client(String app, String ip) { clientApp = app; clientIp = ip; return this; }
    public Builder target(String v) { target = v; return this; }
    public Builder arguments(String v) { arguments = v; return this; }
    public Builder decision(String d, String why, String policy) {
      decision = d;
      reason = why;
      policyId = policy;
      return this;
    }
    public Builder guardFindings(String v) { guardFindings = v; return this; }
    public Builder outcome(String o, Integer s, Long latency) {
      outcome = o;
      status = s;
      latencyMs = latency;
      return this;
    }
    public Builder tokens(Long prompt, Long completion, Long cost) {
      promptTokens = prompt;
      completionTokens = completion;
      costNanos = cost;
      return this;
    }
    public Builder trace(String trace, String session, String request) {
      traceId = trace;
      sessionId = session;
      requestId = request;
      return this;
    }

    public AuditEvent build() {
      return new AuditEvent(0, id, ts, phase, surface, action, principal, principalKind, keyId, persona, clientApp,
          clientIp, target, arguments, decision, reason, policyId, guardFindings, outcome, status, latencyMs,
          promptTokens, completionTokens, costNanos, traceId, sessionId, requestId, null, null, null);
    }
  }
}

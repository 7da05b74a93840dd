package dev.portcullis.audit;

import dev.portcullis.identity.Principal;

/**
 * Who made a call and from where: the one extraction of these facts for every surface, so that
 * a model call and a tool call of the same caller carry the same fields with the same values.
 *
 * @param keyId the gateway key the caller presented: a virtual key's id, or a configuration
 *     key's id ({@code config-key-N}); null for an OAuth token holder, who presented no key
 */
public record CallFacts(String principal, String principalKind, String keyId, String persona, String clientApp,
    String clientIp, String sessionId, String traceId) {
  public static CallFacts of(Principal p, String clientApp, String clientIp, String sessionId, String traceId) {
    return new CallFacts(p == null ? null : p.id(), p == null ? null : p.kind(), keyId(p),
        p == null || p.persona() == null ? null : p.persona().name(), clientApp, clientIp, sessionId, traceId);
  }

  /** The event's caller, client and trace fields. */
  public AuditEvent.Builder describe(AuditEvent.Builder b, String requestId) {
    return b.who(principal, principalKind, keyId, persona).client(clientApp, clientIp)
        .trace(traceId, sessionId, requestId);
  }

  private static String keyId(Principal p) {
    if (p == null) {
      return null;
    }
    if (p.key() != null) {
      return p.key().id();
    }
    return Principal.STATIC_KEY.equals(p.kind()) ? p.id() : null;
  }
}

package dev.portcullis.audit;

import java.util.function.Supplier;

/**
 * Who made a call and from where, noted when the call arrives and read when it is audited.
 *
 * @param guardFindings the data types the guard found, read when the call ends (null: none)
 */
public record CallFacts(String principal, String principalKind, String keyId, String persona, String clientApp,
    String clientIp, String sessionId, String traceId, String action, Supplier<String> guardFindings) {}

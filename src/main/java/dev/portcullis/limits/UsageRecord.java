package dev.portcullis.limits;

/**
 * What one LLM request cost: the row written to the store's usage table.
 *
 * @param keyId the principal's id (a virtual key id, or config-key-N), or null
 * @param costNanos cost in billionths of a US dollar
 */
public record UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
    String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
    long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
    long costNanos, long latencyMillis) {}

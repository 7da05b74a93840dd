package dev.portcullis.limits;

/**
 * What one LLM request cost: the row written to the store's usage table.
 *
 * @param keyId the principal's id (a virtual key id, or config-key-N), or null
 * @param costNanos cost in billionths of a US dollar
 * @param persona the persona the request acted through, or null
 */
public record UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
    String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
    long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
    long costNanos, long latencyMillis, String persona) {

  /** A record of a request that acted through no persona. */
  public UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
      String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
      long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
      long costNanos, long latencyMillis) {
    this(requestId, timestampMillis, keyId, teamId, model, deployment, provider, endpoint, stream, status, outcome,
        promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, costNanos, latencyMillis, null);
  }
}

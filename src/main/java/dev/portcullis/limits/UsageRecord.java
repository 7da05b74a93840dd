package dev.portcullis.limits;

/**
 * What one LLM request or MCP request cost: the row written to the store's usage table. An MCP
 * request's model is {@code mcp:SERVER} (so that spend by model shows tool spend per server),
 * its provider {@code mcp}, its endpoint the method (tools/call) and {@code tool} the name the
 * client called.
 *
 * @param keyId the principal's id (a virtual key id, or config-key-N), or null
 * @param costNanos cost in billionths of a US dollar
 * @param persona the persona the request acted through, or null
 * @param tool the MCP tool (or prompt, or resource URI) called, or null for a model call
 */
public record UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
    String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
    long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
    long costNanos, long latencyMillis, String persona, String tool) {
  /** The model of an MCP request's row: this, then the server's key. */
  public static final String MCP_PREFIX = "mcp:";
  /** The provider of an MCP request's row. */
  public static final String MCP_PROVIDER = "mcp";

  /** A model call's record. */
  public UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
      String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
      long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
      long costNanos, long latencyMillis, String persona) {
    this(requestId, timestampMillis, keyId, teamId, model, deployment, provider, endpoint, stream, status, outcome,
        promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, costNanos, latencyMillis, persona,
        null);
  }

  /** A record of a request that acted through no persona. */
  public UsageRecord(String requestId, long timestampMillis, String keyId, String teamId, String model,
      String deployment, String provider, String endpoint, boolean stream, int status, String outcome,
      long promptTokens, long completionTokens, long cachedTokens, long reasoningTokens, boolean estimated,
      long costNanos, long latencyMillis) {
    this(requestId, timestampMillis, keyId, teamId, model, deployment, provider, endpoint, stream, status, outcome,
        promptTokens, completionTokens, cachedTokens, reasoningTokens, estimated, costNanos, latencyMillis, null);
  }
}

package dev.portcullis.llm;

/**
 * What one client request on the LLM surface came to, for metrics, logs and (later) accounting.
 *
 * @param deployment the deployment that answered last, or null when none was tried
 * @param status the HTTP status the client saw (499 when the client went away first)
 * @param firstByteNanos time from arrival to the first byte sent to the client, or -1
 * @param outcome ok, upstream_error, client_error, client_closed, stream_interrupted, ...
 */
public record CallSummary(String requestId, Endpoint endpoint, String model, Deployment deployment,
    int status, int attempts, long durationNanos, long firstByteNanos, Usage usage, String outcome,
    boolean stream) {}

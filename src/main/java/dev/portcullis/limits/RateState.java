package dev.portcullis.limits;

/**
 * A key's request and token rate limits as OpenAI's x-ratelimit-* headers describe them;
 * -1 where the key has no such limit.
 *
 * @param resetRequestsNanos time until the request bucket is full again
 */
public record RateState(long limitRequests, long remainingRequests, long resetRequestsNanos,
    long limitTokens, long remainingTokens, long resetTokensNanos) {}

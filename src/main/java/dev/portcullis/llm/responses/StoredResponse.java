package dev.portcullis.llm.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A response kept for {@code previous_response_id} and {@code GET /v1/responses/{id}}.
 *
 * @param owner the principal that created it; no other may read, continue or delete it
 * @param createdAt epoch seconds, as in the response
 * @param expiresAt epoch milliseconds after which it is gone (the configured retention)
 * @param input the whole conversation the response answered: the input items of the responses it
 *     continued, their output items, and its own input items, in order
 * @param response the response as the client received it
 */
public record StoredResponse(String id, String owner, String model, long createdAt, long expiresAt, ArrayNode input,
    ObjectNode response) {}

package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One MCP tool call the gateway made in a loop, as the client is shown it.
 *
 * @param id the model's id of the call
 * @param name the tool's name as offered to the model (the gateway's namespaced name)
 * @param server the MCP server or virtual server it was reached through
 * @param arguments the arguments the model gave
 * @param output the result's text (text blocks joined), or the refusal's message
 * @param isError whether the tool failed or the gateway refused the call
 * @param errorCode the JSON-RPC error code of a refusal (policy, guard, limits, approval), or null
 */
public record ToolStep(String id, String name, String server, JsonNode arguments, String output, boolean isError,
    Integer errorCode) {}

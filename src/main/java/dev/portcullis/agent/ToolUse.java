package dev.portcullis.agent;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A tool call the model asked for, in any wire format.
 *
 * @param id the call's id (OpenAI {@code tool_calls[].id}, Anthropic {@code tool_use.id})
 * @param name the tool's name
 * @param arguments the arguments (an object; a text the model gave that is not JSON stays a text node)
 */
public record ToolUse(String id, String name, JsonNode arguments) {}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One REST operation as an MCP tool: the tool definition clients see, and what is needed to turn
 * a call's arguments back into the HTTP request.
 *
 * @param name the tool name (unique within the upstream)
 * @param operationId the operation's id in the description, or null
 * @param method upper-case HTTP method
 * @param path the path template, e.g. {@code /pet/{petId}}
 * @param tags the operation's tags
 * @param definition the MCP tool object (name, description, inputSchema, outputSchema, annotations)
 * @param params the parameters, by argument name
 * @param body the request body, or null
 * @param accept the Accept header to send
 * @param wrapsOutput whether a JSON result that is not an object is returned as {@code {"result": ...}}
 */
public record OperationTool(
    String name,
    String operationId,
    String method,
    String path,
    List<String> tags,
    ObjectNode definition,
    List<Param> params,
    Body body,
    String accept,
    boolean wrapsOutput) {

  /**
   * A parameter and how to serialise it.
   *
   * @param in path, query, header or cookie
   * @param arg the argument name in the input schema
   * @param style OpenAPI style (simple, label, matrix, form, spaceDelimited, pipeDelimited, deepObject)
   * @param contentType set when the parameter is described by {@code content} (sent as JSON text)
   */
  public record Param(String name, String in, String arg, boolean required, String style, boolean explode,
      boolean allowReserved, String contentType) {}

  /**
   * The request body.
   *
   * @param arg the argument holding it
   * @param mediaType the media type sent (JSON, form, multipart, text or other)
   */
  public record Body(String arg, String mediaType, boolean required) {}

  public String description() {
    return definition.path("description").asText("");
  }

  /** A copy with another exposed name and/or description. */
  public OperationTool renamed(String newName, String newDescription) {
    ObjectNode d = definition.deepCopy();
    if (newName != null) {
      d.put("name", newName);
    }
    if (newDescription != null) {
      d.put("description", newDescription);
    }
    return new OperationTool(newName != null ? newName : name, operationId, method, path, tags, d, params, body,
        accept, wrapsOutput);
  }
}

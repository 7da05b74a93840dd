package dev.portcullis.policy;

import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The documented request context a policy decides on (see docs/identity.md). Surface-neutral:
 * the LLM routes fill {@code model}; the MCP gateway fills {@code server}, {@code name} and the rest.
 *
 * @param surface "llm" or "mcp"
 * @param action "model" (an LLM call), "tools/call", "resources/read", "prompts/get", "list" (an
 *     item shown in a list)
 * @param kind for MCP: "tool", "resource" or "prompt"; "" for LLM calls
 * @param server the MCP server key (configuration key), or ""
 * @param name the exposed name (namespaced tool or prompt name, or resource URI), or ""
 * @param original the server's own name for the item, or ""
 * @param arguments the call's arguments (tool arguments, prompt arguments), or empty
 * @param annotations the tool's annotations (readOnlyHint, destructiveHint, openWorldHint...), or empty
 * @param sessionId the MCP session id, or null
 * @param clientIp the remote address of the client
 */
public record PolicyRequest(Principal principal, Persona persona, String surface, String action, String kind,
    String model, String server, String name, String original, Map<String, Object> arguments,
    Map<String, Object> annotations, String sessionId, String clientIp, Instant time) {
  public PolicyRequest {
    model = model == null ? "" : model;
    kind = kind == null ? "" : kind;
    server = server == null ? "" : server;
    name = name == null ? "" : name;
    original = original == null ? "" : original;
    arguments = arguments == null ? Map.of() : arguments;
    annotations = annotations == null ? Map.of() : annotations;
    clientIp = clientIp == null ? "" : clientIp;
    time = time == null ? Instant.now() : time;
  }

  /** An LLM call. */
  public static PolicyRequest llm(Principal p, Persona persona, String model, String clientIp) {
    return new PolicyRequest(p, persona, "llm", "model", "", model, null, null, null, null, null, null, clientIp,
        null);
  }

  /** An MCP action on an item. */
  public static PolicyRequest mcp(Principal p, Persona persona, String action, String kind, String server,
      String name, String original, Map<String, Object> arguments, Map<String, Object> annotations,
      String sessionId, String clientIp) {
    return new PolicyRequest(p, persona, "mcp", action, kind, null, server, name, original, arguments, annotations,
        sessionId, clientIp, null);
  }

  List<String> groups() {
    return principal == null ? List.of() : principal.groups();
  }
}

package dev.portcullis.limits;

import dev.portcullis.identity.Principal;
import java.util.function.LongSupplier;

/**
 * One call asking to be admitted by the limits: a model call or an MCP request, on whichever
 * surface it arrived. Plain data; the {@link Accountant} turns it into the scopes it counts against.
 *
 * @param model the model (group) asked for, or null for an MCP request
 * @param method the MCP method (tools/call, resources/read, prompts/get), or null for a model call
 * @param server the MCP server's key, or null
 * @param item the name the client used (namespaced tool or prompt name, resource URI), or null
 * @param priceNanos what the MCP request costs (0: nothing)
 * @param promptTokens the estimated prompt tokens of a model call; asked for only when a limit needs it
 * @param maxTokens a model call's max_tokens, or 0 (or less) when it set none
 * @param choices how many answers a model call asks for (n), each up to maxTokens
 */
public record Demand(String requestId, Principal principal, String model, String method, String server, String item,
    long priceNanos, LongSupplier promptTokens, long maxTokens, long choices) {

  public static Demand model(String requestId, Principal principal, String model, LongSupplier promptTokens,
      long maxTokens, long choices) {
    return new Demand(requestId, principal, model, null, null, null, 0, promptTokens, maxTokens, choices);
  }

  public static Demand mcp(String requestId, Principal principal, String method, String server, String item,
      long priceNanos) {
    return new Demand(requestId, principal, null, method, server, item, priceNanos, () -> 0, 0, 1);
  }

  /** Whether this is an MCP request (else a model call). */
  public boolean isMcp() {
    return method != null;
  }
}

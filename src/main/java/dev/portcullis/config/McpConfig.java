package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MCP gateway: upstream servers, namespacing, allowed browser origins and virtual servers.
 *
 * @param servers upstream MCP servers by key (config order is the listing order), typed by transport
 * @param namespaceSeparator between a server's alias and an item name (default "__")
 * @param allowedOrigins browser origins allowed to call /mcp (default: loopback origins only)
 * @param virtualServers curated sets of tools, resources and prompts, each at /mcp/{name}
 * @param sessionIdleSeconds downstream sessions idle this long are closed
 * @param maxSessions downstream sessions held at most
 * @param pinning what happens when a tool's definition changes after approval: withhold
 *     (default: hidden until an admin approves it), flag (shown, marked) or off
 * @param pinsFile where tool pins are kept when no database store is configured (default:
 *     in memory only, so every start trusts what it first sees)
 * @param toolLoop the bounds of the tool loops the gateway runs for model requests that name MCP
 *     servers (see docs/agents.md)
 */
public record McpConfig(
    Map<String, McpServerConfig> servers,
    String namespaceSeparator,
    List<String> allowedOrigins,
    Map<String, VirtualServerConfig> virtualServers,
    Long sessionIdleSeconds,
    Integer maxSessions,
    String pinning,
    String pinsFile,
    ToolLoopConfig toolLoop) {

  public McpConfig {
    servers = servers == null ? Map.of() : new LinkedHashMap<>(servers);
    namespaceSeparator = namespaceSeparator == null ? "__" : namespaceSeparator;
    allowedOrigins = allowedOrigins == null ? List.of() : List.copyOf(allowedOrigins);
    virtualServers = virtualServers == null ? Map.of() : new LinkedHashMap<>(virtualServers);
    sessionIdleSeconds = sessionIdleSeconds == null ? 1800L : sessionIdleSeconds;
    maxSessions = maxSessions == null ? 10_000 : maxSessions;
    // YAML reads a bare "off" as the boolean false
    pinning = pinning == null ? "withhold" : "false".equalsIgnoreCase(pinning) ? "off" : pinning;
    toolLoop = toolLoop == null ? new ToolLoopConfig(null, null, null) : toolLoop;
  }

  /** Without tool loop settings (the defaults). */
  public McpConfig(Map<String, McpServerConfig> servers, String namespaceSeparator, List<String> allowedOrigins,
      Map<String, VirtualServerConfig> virtualServers, Long sessionIdleSeconds, Integer maxSessions, String pinning,
      String pinsFile) {
    this(servers, namespaceSeparator, allowedOrigins, virtualServers, sessionIdleSeconds, maxSessions, pinning,
        pinsFile, null);
  }

  /**
   * How far one tool loop may go before the gateway stops it with an error.
   *
   * @param maxIterations model calls per request (default 10)
   * @param maxToolCalls MCP tool calls per request (default 20)
   * @param maxWallMs the whole request, model and tool calls together (default 120000)
   */
  public record ToolLoopConfig(Integer maxIterations, Integer maxToolCalls, Long maxWallMs) {
    public ToolLoopConfig {
      maxIterations = maxIterations == null ? 10 : maxIterations;
      maxToolCalls = maxToolCalls == null ? 20 : maxToolCalls;
      maxWallMs = maxWallMs == null ? 120_000L : maxWallMs;
    }
  }

  /** A curated endpoint: items drawn from any upstreams, optionally renamed or re-described. */
  public record VirtualServerConfig(
      String description,
      List<VirtualItemConfig> tools,
      List<VirtualItemConfig> resources,
      List<VirtualItemConfig> prompts) {
    public VirtualServerConfig {
      tools = tools == null ? List.of() : List.copyOf(tools);
      resources = resources == null ? List.of() : List.copyOf(resources);
      prompts = prompts == null ? List.of() : List.copyOf(prompts);
    }
  }

  /**
   * A selection rule. With {@code server}, {@code match} is a glob over that server's own names
   * (or URIs) and items keep those names; without it, over the namespaced names of /mcp.
   */
  public record VirtualItemConfig(String server, String match, String rename, String description) {
    /** The short form: a bare glob string. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static VirtualItemConfig of(String match) {
      return new VirtualItemConfig(null, match, null, null);
    }
  }
}

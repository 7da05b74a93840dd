package dev.portcullis;

import dev.portcullis.app.Components;
import dev.portcullis.app.ConfigReloader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.telemetry.GatewayMetrics;

/**
 * A running gateway: started from configuration, stopped by {@link #close}. What it is made of is
 * built by the composition root, {@link Components}.
 */
public final class Gateway implements AutoCloseable {
  private final Components components;

  private Gateway(Components components) {
    this.components = components;
  }

  /**
   * Starts the gateway and waits until it listens.
   *
   * @param port the port to listen on (0 for any free port); overrides the config's
   * @param eventLoops how many event loops serve requests (usually the number of cores)
   */
  public static Gateway start(GatewayConfig config, int port, int eventLoops) throws Exception {
    return start(null, config, port, eventLoops);
  }

  /**
   * As above, from the configuration file {@code file} (already loaded as {@code config}), which
   * {@link #reloader()} reloads on demand and, with {@code server.reload.watch}, whenever it changes.
   *
   * @param file the configuration file, or null: no reloading
   */
  public static Gateway start(java.nio.file.Path file, GatewayConfig config, int port, int eventLoops)
      throws Exception {
    return start(file, config, port, eventLoops, new TokenCounter());
  }

  /**
   * As above, counting tokens with {@code tokens}, whose vocabularies the gateway starts reading
   * once it listens.
   */
  public static Gateway start(java.nio.file.Path file, GatewayConfig config, int port, int eventLoops,
      TokenCounter tokens) throws Exception {
    return new Gateway(Components.start(file, config, port, eventLoops, tokens));
  }

  public int port() {
    return components.port();
  }

  /** The MCP gateway, or null when no MCP servers are configured. */
  public dev.portcullis.mcp.McpGateway mcp() {
    return components.mcp();
  }

  public GatewayMetrics metrics() {
    return components.metrics();
  }

  /** Reloads the configuration file (SIGHUP, the admin API, tests); null when started without a file. */
  public ConfigReloader reloader() {
    return components.reloader();
  }

  @Override
  public void close() throws Exception {
    components.close();
  }

  /** OpenTelemetry (traces, audit log export); its parts are null when telemetry is not configured. */
  public dev.portcullis.telemetry.Telemetry telemetry() {
    return components.telemetry();
  }

  /** The audit trail, or null without a store. */
  public dev.portcullis.audit.AuditModule audit() {
    return components.audit();
  }

  /** The event loops' network transport: "epoll" on Linux, else "nio" (or "kqueue", "io_uring"). */
  public String transport() {
    return components.transport();
  }

  /** Writes the usage records of every request answered so far (tests and diagnostics; blocks). */
  public void flushUsage() throws Exception {
    components.flushUsage();
  }

  /** Writes the audit events of every request answered so far (tests and diagnostics; blocks). */
  public void flushAudit() throws Exception {
    components.flushAudit();
  }
}

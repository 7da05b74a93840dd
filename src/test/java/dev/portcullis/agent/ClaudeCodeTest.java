package dev.portcullis.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.testing.GatewayHarness;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Claude Code ({@code @anthropic-ai/claude-code}, installed by npm ci in src/test/node) in print
 * mode against the gateway: {@code ANTHROPIC_BASE_URL} at the gateway, the gateway key as
 * {@code ANTHROPIC_API_KEY}, the demo model. It completes a one-shot task, and given the gateway
 * as an MCP server it lists the gateway's tools and calls one (the demo model's script asks for
 * it), which the gateway audits. Every proxy variable points at a trap that records any connection
 * Claude Code tries beyond the gateway: with its telemetry, auto-update and other nonessential
 * traffic switched off it must try none (without those switches it calls api.anthropic.com).
 */
class ClaudeCodeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path NODE_DIR = Path.of("src/test/node").toAbsolutePath();
  static GatewayHarness gw;
  static EgressTrap trap;
  static Path home;
  static Path work;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("claude-code");
    home = Files.createDirectories(dir.resolve("home"));
    work = Files.createDirectories(dir.resolve("work"));
    trap = new EgressTrap();
    gw = GatewayHarness.start("""
        store:
          url: "jdbc:sqlite:%s"
        audit:
          flush_ms: 50
        models:
          demo:
            deployments:
              - { name: demo-1, type: demo, model: demo-1 }
        mcp:
          servers:
            demo: { type: builtin }
        """.formatted(dir.resolve("cc.db")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (trap != null) {
      trap.close();
    }
  }

  @AfterEach
  void nothingLeftForTheInternet() {
    assertThat(trap.attempts()).as("connections Claude Code tried beyond the gateway").isEmpty();
  }

  /** The native binary of the installed package for this platform (what the npm package runs). */
  static Path claude() {
    String arch = System.getProperty("os.arch").contains("aarch64") ? "arm64" : "x64";
    Path bin = NODE_DIR.resolve("node_modules/@anthropic-ai/claude-code-linux-" + arch + "/claude");
    if (!Files.isExecutable(bin)) {
      fail("Claude Code is not installed: run 'npm ci' in src/test/node (bin/test does it); " + bin + " is missing");
    }
    return bin;
  }

  /** Runs {@code claude -p ...} with a clean environment; its stdout. */
  static String run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(claude().toString(), "-p"));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    var env = pb.environment();
    env.clear();
    env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.put("HOME", home.toString());
    env.put("ANTHROPIC_BASE_URL", gw.baseUrl());
    env.put("ANTHROPIC_API_KEY", GatewayHarness.KEY);
    env.put("ANTHROPIC_MODEL", "demo");
    env.put("ANTHROPIC_DEFAULT_HAIKU_MODEL", "demo"); // its small fast model for side requests
    env.put("DISABLE_AUTOUPDATER", "1");
    env.put("DISABLE_TELEMETRY", "1");
    env.put("DISABLE_ERROR_REPORTING", "1");
    env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
    for (String v : List.of("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")) {
      env.put(v, trap.url());
    }
    env.put("NO_PROXY", "127.0.0.1,localhost");
    env.put("no_proxy", "127.0.0.1,localhost");
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("claude did not finish within 120 s");
    }
    String stdout = new String(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(stdout).isZero();
    return stdout;
  }

  @Test
  void completesAOneShotTaskThroughTheGateway() throws Exception {
    JsonNode result = JSON.readTree(run(List.of("Greet the gateway", "--tools", "", "--strict-mcp-config",
        "--output-format", "json")));
    assertThat(result.path("is_error").asBoolean()).as(result.toString()).isFalse();
    assertThat(result.path("result").asText()).startsWith("Hello from the Portcullis demo model. You said: "
        + "Greet the gateway");
    gw.gateway().flushAudit();
    List<AuditEvent> calls = gw.gateway().audit().repository().query(new AuditRepository.Filter("llm",
        "config-key-1", null, null, null, null, null, null, null, null, null, null, 100));
    assertThat(calls).anySatisfy(e -> {
      assertThat(e.action()).isEqualTo("messages");
      assertThat(e.clientApp()).containsIgnoringCase("claude");
      assertThat(e.outcome()).isEqualTo("ok");
    });
  }

  @Test
  void listsAndCallsTheGatewaysMcpToolsWhenGivenItAsAnMcpServer() throws Exception {
    Path config = work.resolve("mcp.json");
    Files.writeString(config, JSON.createObjectNode().set("mcpServers", JSON.createObjectNode()
        .set("portcullis", JSON.createObjectNode().put("type", "http").put("url", gw.baseUrl() + "/mcp")
            .set("headers", JSON.createObjectNode().put("Authorization", "Bearer " + GatewayHarness.KEY))))
        .toString());
    String out = run(List.of("call mcp__portcullis__demo__echo with {\"text\":\"via claude code\"}",
        "--tools", "", "--mcp-config", config.toString(), "--strict-mcp-config",
        "--allowedTools", "mcp__portcullis__demo__echo", "--max-turns", "4",
        "--output-format", "stream-json", "--verbose"));
    List<JsonNode> events = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        events.add(JSON.readTree(line));
      }
    }
    JsonNode init = events.stream().filter(e -> "init".equals(e.path("subtype").asText())).findFirst().orElseThrow();
    List<String> tools = new ArrayList<>();
    init.path("tools").forEach(t -> tools.add(t.asText()));
    assertThat(tools).contains("mcp__portcullis__demo__echo", "mcp__portcullis__demo__add",
        "mcp__portcullis__demo__countdown");
    assertThat(init.path("mcp_servers").path(0).path("status").asText()).isEqualTo("connected");
    JsonNode result = events.get(events.size() - 1);
    assertThat(result.path("type").asText()).isEqualTo("result");
    assertThat(result.path("result").asText()).as(out).isEqualTo("The tool returned: via claude code");
    gw.gateway().flushAudit();
    List<AuditEvent> mcp = gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp",
        "config-key-1", null, "demo/echo", null, null, null, null, null, null, null, null, 100));
    assertThat(mcp).extracting(AuditEvent::phase).contains("started", "completed");
  }

  /** A proxy that lets nothing through and records every request line it was sent. */
  static final class EgressTrap implements AutoCloseable {
    private final ServerSocket socket;
    private final List<String> attempts = new CopyOnWriteArrayList<>();

    EgressTrap() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(this::serve, "egress-trap");
      t.setDaemon(true);
      t.start();
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    List<String> attempts() {
      return List.copyOf(attempts);
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          s.setSoTimeout(5_000);
          InputStream in = s.getInputStream();
          StringBuilder line = new StringBuilder();
          int c;
          while ((c = in.read()) != -1 && c != '\n' && line.length() < 2048) {
            line.append((char) c);
          }
          attempts.add(line.toString().strip());
          OutputStream o = s.getOutputStream();
          o.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // closed, or a client that went away: keep serving until closed
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}

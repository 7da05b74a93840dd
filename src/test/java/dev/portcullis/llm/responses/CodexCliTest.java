package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Codex CLI ({@code @openai/codex} in src/test/node) in non-interactive mode, with the gateway as
 * its model provider over the Responses API, completes a one-shot task on the demo provider: a
 * tool call it runs and a final answer, two streamed responses with function calls in between. It
 * reaches nothing else: its own home, no login, no update check, analytics and feedback off, and
 * every other connection sent to a closed proxy port.
 */
class CodexCliTest {
  private static final Path CODEX = Path.of("src/test/node/node_modules/@openai/codex/bin/codex.js").toAbsolutePath();

  @Test
  void codexExecCompletesAOneShotTaskThroughTheGateway() throws Exception {
    String node = NodeSupport.node();
    if (!Files.isRegularFile(CODEX)) {
      fail("Codex CLI is missing: run 'npm ci' in src/test/node (bin/test does)");
    }
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        """)) {
      Path home = Files.createTempDirectory("codex-home");
      Path work = Files.createTempDirectory("codex-work");
      Files.writeString(home.resolve("config.toml"), """
          model = "demo"
          model_provider = "portcullis"
          check_for_update_on_startup = false

          [model_providers.portcullis]
          name = "Portcullis"
          base_url = "%s/v1"
          env_key = "PORTCULLIS_API_KEY"
          wire_api = "responses"
          request_max_retries = 0
          stream_max_retries = 0

          [analytics]
          enabled = false

          [feedback]
          enabled = false
          """.formatted(gw.baseUrl()));
      Path last = work.resolve("last-message.txt");
      ProcessBuilder pb = new ProcessBuilder(node, CODEX.toString(), "exec", "--skip-git-repo-check", "--ephemeral",
          "--sandbox", "read-only", "--color", "never", "-C", work.toString(), "-o", last.toString(),
          "echo portcullis-codex-ok")
          .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      Map<String, String> env = pb.environment();
      env.keySet().removeIf(k -> k.startsWith("OPENAI_") || k.startsWith("CODEX_") || k.endsWith("_PROXY")
          || k.endsWith("_proxy"));
      env.putAll(Map.of("HOME", home.toString(), "CODEX_HOME", home.toString(),
          "PORTCULLIS_API_KEY", GatewayHarness.KEY,
          // anything but the gateway goes to a closed port, so a call home fails at once instead of leaving
          "HTTPS_PROXY", "http://127.0.0.1:9", "HTTP_PROXY", "http://127.0.0.1:9", "ALL_PROXY", "http://127.0.0.1:9",
          "NO_PROXY", "127.0.0.1,localhost", "no_proxy", "127.0.0.1,localhost"));
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("codex exec did not finish: " + new String(out, StandardCharsets.UTF_8));
      }
      String log = new String(out, StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(log).isZero();
      // The demo model answers a request that offers tools by calling the first (Codex's shell tool)
      // with the prompt as the command; Codex runs it and sends back its output, which the model reports.
      // (The demo fills the tool's integer arguments with 1, so Codex cuts the output it returns to a token.)
      assertThat(log).contains("echo portcullis-codex-ok", "succeeded");
      assertThat(log.lines().map(String::strip)).as(log).contains("portcullis-codex-ok"); // what the command printed
      assertThat(Files.readString(last)).as(log).startsWith("The tool returned:").contains("exited with code 0");
    }
  }
}

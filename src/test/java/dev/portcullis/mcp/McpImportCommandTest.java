package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.McpServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;

/** {@code portcullis mcp import FILE}: a Claude Desktop config becomes mcp.servers YAML the gateway loads. */
class McpImportCommandTest {
  @TempDir
  Path dir;

  static Run run(String... args) {
    return Cli.run(args);
  }

  @Test
  void claudeDesktopServersBecomeGatewayConfig() throws Exception {
    Path json = dir.resolve("claude_desktop_config.json");
    Files.writeString(json, """
        {
          "mcpServers": {
            "filesystem": {
              "command": "npx",
              "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"]
            },
            "github": {
              "command": "docker",
              "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
              "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_example" }
            },
            "remote tickets": {
              "url": "https://mcp.example.com/mcp",
              "headers": { "Authorization": "Bearer abc" }
            },
            "old": { "type": "sse", "url": "https://old.example.com/sse" },
            "off": { "command": "x", "disabled": true }
          },
          "globalShortcut": "Ctrl+Space"
        }
        """);
    Run r = run("mcp", "import", json.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("mcp:").contains("filesystem:", "type: stdio", "command: npx",
        "@modelcontextprotocol/server-filesystem", "type: http", "url: https://mcp.example.com/mcp", "type: sse");
    assertThat(r.err()).contains("renamed to 'remote_tickets'", "disabled, skipped");

    Path yaml = dir.resolve("gateway.yaml");
    Files.writeString(yaml, "models:\n  demo: { deployments: [ { name: d, type: demo } ] }\n" + r.out());
    GatewayConfig cfg = new ConfigLoader().load(yaml);
    var servers = cfg.mcp().servers();
    assertThat(servers.keySet()).containsExactly("filesystem", "github", "remote_tickets", "old");
    assertThat(servers.get("filesystem")).isInstanceOf(McpServerConfig.Stdio.class);
    McpServerConfig.Stdio fs = (McpServerConfig.Stdio) servers.get("filesystem");
    assertThat(fs.args()).containsExactly("-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop");
    assertThat(((McpServerConfig.Stdio) servers.get("github")).env()).containsEntry("GITHUB_PERSONAL_ACCESS_TOKEN", "ghp_example");
    assertThat(servers.get("remote_tickets").headers()).containsEntry("Authorization", "Bearer abc");
    assertThat(servers.get("old").type()).isEqualTo("sse");
  }

  @Test
  void placeholdersKeepSecretsOutAndBadInputFails() throws Exception {
    Path json = dir.resolve("c.json");
    Files.writeString(json, "{\"mcpServers\":{\"gh\":{\"command\":\"gh-mcp\",\"env\":{\"TOKEN\":\"secret\"}}}}");
    Path out = dir.resolve("out.yaml");
    Run r = run("mcp", "import", json.toString(), "--env-placeholders", "-o", out.toString());
    assertThat(r.exit()).isZero();
    assertThat(Files.readString(out)).contains("TOKEN: \"${GH_TOKEN}\"").doesNotContain("secret");

    Files.writeString(json, "{\"servers\": []}");
    assertThat(run("mcp", "import", json.toString()).err()).contains("no \"mcpServers\"");
    Files.writeString(json, "{not json");
    assertThat(run("mcp", "import", json.toString()).exit()).isEqualTo(2);
  }
}

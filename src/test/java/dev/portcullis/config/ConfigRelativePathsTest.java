package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relative paths in a config mean "next to the config file", whatever directory the CLI runs in:
 * the CLI is run as a separate process (the way a user runs the jar) from another directory.
 */
class ConfigRelativePathsTest {
  private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir
  Path tmp;

  Path configDir;
  Path elsewhere;

  @BeforeEach
  void layout() throws Exception {
    configDir = Files.createDirectories(tmp.resolve("gateway-config"));
    elsewhere = Files.createDirectories(tmp.resolve("somewhere-else"));
    Files.createDirectories(configDir.resolve("specs"));
    Files.copy(Path.of("src/test/resources/openapi/edge-api.yaml"), configDir.resolve("specs/edge.yaml"));
    Files.writeString(configDir.resolve("policy.yaml"), """
        rules:
          - name: no-delete
            when: "action == 'tools/call' && name.startsWith('delete')"
            effect: deny
        """);
    Path tools = Files.createDirectories(configDir.resolve("tools"));
    Path server = tools.resolve("server.sh");
    // records the directory it was started in, then speaks MCP over stdio
    Files.writeString(server, """
        #!/bin/sh
        pwd > started-in.txt
        exec "%s" -cp "%s" dev.portcullis.mcp.demo.DemoStdioMain
        """.formatted(java(), System.getProperty("java.class.path")));
    Files.setPosixFilePermissions(server, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(configDir.resolve("gateway.yaml"), """
        clients: { keys: [relative-key] }
        store: { url: "jdbc:sqlite:data/gw.db" }
        audit:
          chain_key: file:keys/chain.key
          checkpoints: { signing_key: file:keys/checkpoint.jwk }
          file: { path: logs/audit.jsonl }
        policy: { file: policy.yaml }
        models:
          demo: { deployments: [ { type: demo } ] }
        mcp:
          pins_file: data/pins.json
          servers:
            local: { type: stdio, command: ./tools/server.sh }
            edge: { type: openapi, spec: specs/edge.yaml, base_url: "https://api.example.com/edge" }
        """);
  }

  @Test
  void configCheckFindsTheFilesNextToTheConfigFromAnotherDirectory() throws Exception {
    Path relative = elsewhere.relativize(configDir.resolve("gateway.yaml"));
    for (List<String> args : List.of(List.of("config", "check", relative.toString()),
        List.of("config", "check", "--config=" + relative), List.of("config", "check", "--config", relative.toString()))) {
      Result r = run(elsewhere, args);
      assertThat(r.exit()).as(args + ": " + r.output()).isZero();
      assertThat(r.output()).contains("OK");
    }
    // and a policy file that is not next to the config is reported with its resolved path
    Files.delete(configDir.resolve("policy.yaml"));
    Result r = run(elsewhere, List.of("config", "check", "--config=" + relative));
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.output()).contains("policy.file", configDir.resolve("policy.yaml").toString(), "file not found")
        .doesNotContain("Exception");
  }

  @Test
  void serveCreatesAndFindsEverythingNextToTheConfig() throws Exception {
    Path relative = elsewhere.relativize(configDir.resolve("gateway.yaml"));
    ProcessBuilder pb = new ProcessBuilder(command(List.of("serve", "--config=" + relative, "--port", "0")))
        .directory(elsewhere.toFile()).redirectErrorStream(true);
    pb.environment().put("PORTCULLIS_LOG_LEVEL", "INFO");
    Process p = pb.start();
    try {
      CompletableFuture<Integer> port = new CompletableFuture<>();
      List<String> lines = new ArrayList<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = in.readLine()) != null) {
            synchronized (lines) {
              lines.add(line);
            }
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
              port.complete(Integer.parseInt(m.group(1)));
            }
          }
        } catch (IOException e) {
          port.completeExceptionally(e);
        }
        port.completeExceptionally(new IllegalStateException("the gateway exited: " + lines));
      });
      reader.setDaemon(true);
      reader.start();
      int listening = port.get(90, TimeUnit.SECONDS);

      HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + listening + "/v1/models")).header("authorization", "Bearer relative-key")
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      // the store, the audit keys and the stdio server's working directory: next to the config
      assertThat(configDir.resolve("data/gw.db")).exists();
      assertThat(configDir.resolve("keys/chain.key")).exists();
      assertThat(configDir.resolve("keys/checkpoint.jwk")).exists();
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(configDir.resolve("started-in.txt")));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
          Files.readString(configDir.resolve("started-in.txt")).strip()).isEqualTo(configDir.toRealPath().toString()));
      // nothing landed where the gateway was started
      try (Stream<Path> files = Files.list(elsewhere)) {
        assertThat(files).isEmpty();
      }
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void loadedPathsAreAbsoluteAndRelativeToTheConfigFile() throws Exception {
    // given relative to the working directory, as on a command line
    Path file = Path.of("").toAbsolutePath().relativize(configDir.resolve("gateway.yaml"));
    assertThat(file.isAbsolute()).isFalse();
    GatewayConfig c = new ConfigLoader().load(file);
    Path d = configDir.toAbsolutePath();
    assertThat(c.policy().file()).isEqualTo(d.resolve("policy.yaml").toString());
    assertThat(c.store().url()).isEqualTo("jdbc:sqlite:" + d.resolve("data/gw.db"));
    assertThat(c.mcp().pinsFile()).isEqualTo(d.resolve("data/pins.json").toString());
    assertThat(c.audit().file().path()).isEqualTo(d.resolve("logs/audit.jsonl").toString());
    assertThat(c.audit().chainKey()).isEqualTo("file:" + d.resolve("keys/chain.key"));
    assertThat(c.audit().checkpoints().signingKey()).isEqualTo("file:" + d.resolve("keys/checkpoint.jwk"));
    assertThat(((McpServerConfig.Stdio) c.mcp().servers().get("local")).cwd()).isEqualTo(d.toString());
    assertThat(((McpServerConfig.Stdio) c.mcp().servers().get("local")).command()).isEqualTo(d.resolve("tools/server.sh").toString());
    assertThat(((McpServerConfig.OpenApi) c.mcp().servers().get("edge")).spec()).isEqualTo(d.resolve("specs/edge.yaml").toString());
  }

  @Test
  void urlsInMemoryDatabasesAndBareCommandsAreLeftAlone() throws Exception {
    Path f = configDir.resolve("other.yaml");
    Files.writeString(f, """
        clients: { keys: [k] }
        store: { url: "jdbc:sqlite::memory:" }
        audit: { chain_key: "${CHAIN}", checkpoints: { signing_key: "file:/etc/absolute.jwk" } }
        models:
          demo: { deployments: [ { type: demo } ] }
        mcp:
          servers:
            j: { type: stdio, command: java, cwd: tools }
            remote: { type: openapi, spec: "https://api.example.com/openapi.json", base_url: "https://api.example.com" }
        """);
    String chain = "an-inline-chain-key-that-is-long-enough-0123456789";
    GatewayConfig c = new ConfigLoader(new EnvInterpolator(Map.of("CHAIN", chain)::get)).load(f);
    assertThat(c.store().url()).isEqualTo("jdbc:sqlite::memory:");
    assertThat(c.audit().chainKey()).isEqualTo(chain);
    assertThat(c.audit().checkpoints().signingKey()).isEqualTo("file:/etc/absolute.jwk");
    assertThat(((McpServerConfig.Stdio) c.mcp().servers().get("j")).command()).isEqualTo("java");
    assertThat(((McpServerConfig.Stdio) c.mcp().servers().get("j")).cwd()).isEqualTo(configDir.resolve("tools").toAbsolutePath().toString());
    assertThat(((McpServerConfig.OpenApi) c.mcp().servers().get("remote")).spec()).isEqualTo("https://api.example.com/openapi.json");
  }

  record Result(int exit, String output) {}

  private static Result run(Path cwd, List<String> args) throws Exception {
    Process p = new ProcessBuilder(command(args)).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  private static List<String> command(List<String> args) {
    List<String> cmd = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), "dev.portcullis.Main"));
    cmd.addAll(args);
    return cmd;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}

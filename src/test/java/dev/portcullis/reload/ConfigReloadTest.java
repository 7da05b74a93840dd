package dev.portcullis.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Gateway;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.mcp.FakeHttpMcpServer;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.LoadLoops;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten configuration reloads of a gateway under continuous load (chat, streamed chat, MCP tool
 * calls), through the file watch and the admin endpoint: every change takes effect, invalid files
 * are rejected with the configuration in force kept, the unchanged MCP upstream keeps its session,
 * the changed one gets a new one, and not one request fails.
 */
class ConfigReloadTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "k1";
  static final String ADMIN = "admin-secret";

  @TempDir
  Path dir;
  Gateway gateway;
  FakeHttpMcpServer steady;
  FakeHttpMcpServer moving;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** The parts of the configuration the reloads change. */
  record State(List<String> models, List<String> keys, String policy, boolean extraServer, String movingHeader,
      int port) {
    State with(List<String> m) {
      return new State(m, keys, policy, extraServer, movingHeader, port);
    }
  }

  String yaml(State s) {
    StringBuilder models = new StringBuilder();
    s.models().forEach(m -> models.append("  ").append(m).append(": { deployments: [ { name: ").append(m)
        .append("-1, type: demo } ] }\n"));
    return """
        server:
          port: %d
          reload: { watch: true, debounce_ms: 150 }
        admin: { key: %s }
        clients:
          keys: [%s]
        models:
        %s
        %s
        mcp:
          servers:
            steady: { type: http, url: "%s" }
            moving: { type: http, url: "%s", headers: { X-Upstream-Key: "%s" } }
        %s
        """.formatted(s.port(), ADMIN, String.join(", ", s.keys()), models.toString().stripTrailing(),
        s.policy() == null ? "" : "policy: { file: \"" + s.policy() + "\" }",
        steady.url(), moving.url(), s.movingHeader(),
        s.extraServer() ? "    extra: { type: builtin }" : "");
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (steady != null) {
      steady.close();
    }
    if (moving != null) {
      moving.close();
    }
  }

  @Test
  void tenReloadsUnderLoadWithoutAFailedRequest() throws Exception {
    steady = new FakeHttpMcpServer();
    moving = new FakeHttpMcpServer();
    Path file = dir.resolve("portcullis.yaml");
    Path denyGamma = dir.resolve("policy.yaml");
    Files.writeString(denyGamma, """
        rules:
          - name: no-gamma
            when: "model == 'gamma'"
            effect: deny
            reason: gamma is off limits
        """);
    State state = new State(List.of("alpha"), List.of(KEY), null, false, "one", 8080);
    Files.writeString(file, yaml(state));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 2);

    McpTestClient mcp = new McpTestClient(base() + "/mcp", KEY);
    mcp.initialize("2025-11-25");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(McpTestClient.text(mcp.callTool("steady__echo", "{\"text\":\"up\"}"))).isEqualTo("up"));
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(McpTestClient.text(mcp.callTool("moving__echo", "{\"text\":\"up\"}"))).isEqualTo("up"));
    int steadySessions = steady.initializations.get();

    LoadLoops load = load(mcp).start();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.done.get() >= 20);

    // 1. watch, an editor's save (write beside, rename over): a model added
    state = state.with(List.of("alpha", "beta"));
    int reloads = applied();
    replace(file, yaml(state));
    awaitOutcome(reloads, "applied");
    assertThat(chat(KEY, "beta").statusCode()).isEqualTo(200);

    // 2. admin endpoint: a client key added
    state = new State(state.models(), List.of(KEY, "k2"), null, false, "one", 8080);
    replace(file, yaml(state));
    HttpResponse<String> r = adminReload();
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("changes").toString()).contains("clients.keys");
    assertThat(get("k2", "/v1/models/alpha").statusCode()).isEqualTo(200);

    // 3. watch: an invalid file is rejected, the configuration in force stays
    int rejectedBefore = rejected();
    replace(file, yaml(state).replace("type: demo", "type: no-such-provider"));
    await().atMost(Duration.ofSeconds(20)).until(() -> rejected() > rejectedBefore);
    JsonNode last = lastOutcome();
    assertThat(last.path("result").asText()).isEqualTo("rejected");
    assertThat(last.path("reason").asText()).contains(file.toString()).contains("models.");
    assertThat(chat(KEY, "beta").statusCode()).isEqualTo(200);
    assertThat(get("k2", "/v1/models/alpha").statusCode()).isEqualTo(200);

    // 4. watch: a model removed
    state = state.with(List.of("alpha"));
    reloads = applied();
    replace(file, yaml(state));
    awaitOutcome(reloads, "applied");
    HttpResponse<String> gone = chat(KEY, "beta");
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(gone.body()).contains("model_not_found");

    // 5. admin: a model added together with a policy that denies it
    state = new State(List.of("alpha", "gamma"), state.keys(), denyGamma.toString(), false, "one", 8080);
    replace(file, yaml(state));
    assertThat(adminReload().statusCode()).isEqualTo(200);
    HttpResponse<String> denied = chat(KEY, "gamma");
    assertThat(denied.statusCode()).as(denied.body()).isEqualTo(403);
    assertThat(denied.body()).contains("gamma is off limits");

    // 6. watch: an MCP server added
    state = new State(state.models(), state.keys(), state.policy(), true, "one", 8080);
    reloads = applied();
    replace(file, yaml(state));
    awaitOutcome(reloads, "applied");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(McpTestClient.text(mcp.callTool("extra__echo", "{\"text\":\"hi\"}"))).isEqualTo("hi"));

    // 7. admin: one MCP server changed (its header): restarted; the other keeps its session
    int movingSessions = moving.initializations.get();
    state = new State(state.models(), state.keys(), state.policy(), true, "two", 8080);
    replace(file, yaml(state));
    r = adminReload();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("restarted moving").doesNotContain("steady");
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(mcp.callTool("moving__echo", "{\"text\":\"again\"}").toString()).contains("again"));
    assertThat(moving.initializations.get()).isGreaterThan(movingSessions);

    // 8. watch: the added MCP server removed
    state = new State(state.models(), state.keys(), state.policy(), false, "two", 8080);
    reloads = applied();
    replace(file, yaml(state));
    awaitOutcome(reloads, "applied");
    JsonNode tools = mcp.result("tools/list", "{}").path("tools");
    assertThat(tools.findValuesAsText("name")).contains("steady__echo").noneMatch(n -> n.startsWith("extra__"));
    assertThat(mcp.callTool("extra__echo", "{\"text\":\"hi\"}").toString()).contains("error");

    // 9. admin: a key removed and the port changed: the key goes, the port needs a restart
    state = new State(state.models(), List.of(KEY), state.policy(), false, "two", 9999);
    replace(file, yaml(state));
    r = adminReload();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("server.port changed: needs a restart; kept 8080");
    assertThat(get("k2", "/v1/models/alpha").statusCode()).isEqualTo(401);

    // 10. admin: a file that is not YAML is rejected (422), nothing changes
    replace(file, "models: [unclosed\n");
    r = adminReload();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("reason").asText()).contains("not valid YAML");
    assertThat(chat(KEY, "alpha").statusCode()).isEqualTo(200);
    assertThat(chat(KEY, "gamma").statusCode()).isEqualTo(403);

    int before = load.done.get();
    await().atMost(Duration.ofSeconds(20)).until(() -> load.done.get() >= before + 20);
    load.stop();
    assertThat(load.failures).as("failed requests during the reloads").isEmpty();
    assertThat(load.done.get()).isGreaterThan(40);
    assertThat(steady.initializations.get()).as("the unchanged upstream kept its session").isEqualTo(steadySessions);
    // the watch may also see a file the test then reloads through the admin endpoint: at least
    assertThat(applied()).isGreaterThanOrEqualTo(8);
    assertThat(rejected()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void reloadEndpointNeedsTheAdminKey() throws Exception {
    steady = new FakeHttpMcpServer();
    moving = new FakeHttpMcpServer();
    Path file = dir.resolve("portcullis.yaml");
    Files.writeString(file, yaml(new State(List.of("alpha"), List.of(KEY), null, false, "one", 8080)));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 2);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/admin/config/reload"))
        .header("authorization", "Bearer " + KEY).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).contains("invalid_admin_key");
  }

  @Test
  void personaLimitsOnAGatewayThatCountsNothingAreRejectedNotHalfApplied() throws Exception {
    steady = new FakeHttpMcpServer();
    moving = new FakeHttpMcpServer();
    Path file = dir.resolve("portcullis.yaml");
    State state = new State(List.of("alpha"), List.of(KEY), null, false, "one", 8080);
    Files.writeString(file, yaml(state));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 2);
    Files.writeString(file, yaml(state.with(List.of("alpha", "beta")))
        + "personas:\n  capped: { models: [alpha], keys: [k1], limits: { rpm: 1 } }\n");
    HttpResponse<String> r = adminReload();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("reason").asText())
        .contains("personas.capped.limits: this gateway started without a store and without persona limits,"
            + " so it counts no requests; limits need a restart");
    assertThat(chat(KEY, "beta").statusCode()).as("nothing of the rejected file applied").isEqualTo(404);
  }

  @Test
  void aKubernetesConfigMapSymlinkSwapIsSeen() throws Exception {
    steady = new FakeHttpMcpServer();
    moving = new FakeHttpMcpServer();
    // the layout kubelet mounts: file -> ..data/file, ..data -> ..<timestamp>/, swapped by a rename
    State state = new State(List.of("alpha"), List.of(KEY), null, false, "one", 8080);
    Path v1 = Files.createDirectory(dir.resolve("..2026_12_03_1"));
    Files.writeString(v1.resolve("portcullis.yaml"), yaml(state));
    Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
    Path file = dir.resolve("portcullis.yaml");
    Files.createSymbolicLink(file, Path.of("..data", "portcullis.yaml"));
    gateway = Gateway.start(file, new ConfigLoader().load(file), 0, 2);
    assertThat(chat(KEY, "beta").statusCode()).isEqualTo(404);

    Path v2 = Files.createDirectory(dir.resolve("..2026_12_03_2"));
    Files.writeString(v2.resolve("portcullis.yaml"), yaml(state.with(List.of("alpha", "beta"))));
    Path tmp = Files.createSymbolicLink(dir.resolve("..data_tmp"), v2.getFileName());
    Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    await().atMost(Duration.ofSeconds(20)).until(() -> chat(KEY, "beta").statusCode() == 200);
  }

  /** Four clients: two plain chats, one streamed chat, one MCP tool caller; every failure recorded. */
  LoadLoops load(McpTestClient mcp) {
    return new LoadLoops(Duration.ofMillis(10))
        .add("chat-1", () -> check(chat(KEY, "alpha"), false))
        .add("chat-2", () -> check(chat(KEY, "alpha"), false))
        .add("stream", () -> check(stream(KEY, "alpha"), true))
        .add("mcp", () -> {
          JsonNode res = mcp.callTool("steady__echo", "{\"text\":\"load\"}");
          return "load".equals(McpTestClient.text(res)) ? null : "mcp: " + res;
        });
  }

  private static String check(HttpResponse<String> r, boolean streamed) {
    if (r.statusCode() != 200) {
      return r.statusCode() + " " + r.body();
    }
    if (streamed ? !r.body().contains("data: [DONE]") : !r.body().contains("\"choices\"")) {
      return "incomplete: " + r.body();
    }
    return null;
  }

  String base() {
    return "http://127.0.0.1:" + gateway.port();
  }

  HttpResponse<String> chat(String key, String model) throws Exception {
    return post(key, "/v1/chat/completions",
        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
  }

  HttpResponse<String> stream(String key, String model) throws Exception {
    return post(key, "/v1/chat/completions", "{\"model\":\"" + model
        + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}");
  }

  HttpResponse<String> post(String key, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String key, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30))
        .header("authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> adminReload() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base() + "/admin/config/reload"))
        .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + ADMIN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonNode lastOutcome() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/admin/config/reload"))
        .header("authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return JSON.readTree(r.body()).path("last");
  }

  int applied() throws Exception {
    return reloads("applied");
  }

  int rejected() throws Exception {
    return reloads("rejected");
  }

  /** How many reloads had this result, from /metrics. */
  int reloads(String result) throws Exception {
    String prefix = "portcullis_config_reloads_total{result=\"" + result + "\"} ";
    return get(KEY, "/metrics").body().lines().filter(l -> l.startsWith(prefix))
        .mapToInt(l -> (int) Double.parseDouble(l.substring(prefix.length()))).findFirst().orElse(0);
  }

  void awaitOutcome(int before, String result) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> reloads(result) > before);
  }

  /** Saves as editors do: a new file beside, renamed over the old one. */
  static void replace(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling(file.getFileName() + ".swp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}

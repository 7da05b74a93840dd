package dev.portcullis.cluster;

import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.store.PostgresServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three gateway replicas as a user runs them: separate JVMs on one PostgreSQL store and one
 * Redis, behind HAProxy in round robin (no sticky sessions), warmed up. The processes of
 * {@link ClusterTest} and {@link ClusterLimitsTest}.
 */
final class ClusterRig implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("portcullis listening on http://[^:]+:(\\d+)");
  static final String ADMIN_KEY = "cluster-admin-key-0123456789abcdef";

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final List<ExternalProcess> replicas = new ArrayList<>();
  final List<Integer> ports = new ArrayList<>();
  private final String extra;
  ExternalProcess redis;
  ExternalProcess haproxy;
  String redisServer;
  int redisPort;
  String balancer;
  Path config;
  String storeUrl;

  /** @param extra top-level configuration every replica has besides the common one (pricing...), or "" */
  private ClusterRig(String extra) {
    this.extra = extra;
  }

  static ClusterRig start(Path dir, String extra) throws Exception {
    ClusterRig rig = new ClusterRig(extra);
    try {
      rig.startAll(dir);
      return rig;
    } catch (Exception | Error e) {
      rig.close();
      throw e;
    }
  }

  private void startAll(Path dir) throws Exception {
    redisServer = ExternalProcess.require("redis-server", "redis-server");
    String haproxyBin = ExternalProcess.require("haproxy", "haproxy");
    NodeSupport.node(); // fails now, not half-way, when the MCP SDK is missing
    storeUrl = PostgresServer.get().newDatabase();
    redisPort = NodeSupport.freePort();
    startRedis();
    config = dir.resolve("portcullis.yaml");
    writeConfig("");
    for (int i = 0; i < 3; i++) {
      ports.add(NodeSupport.freePort());
    }
    for (int n = 1; n <= 3; n++) { // together, as a rollout would: they migrate the fresh database under its lock
      replicas.add(replica(n));
    }
    replicas.forEach(ClusterRig::awaitListening);
    int front = NodeSupport.freePort();
    Path cfg = dir.resolve("haproxy.cfg");
    StringBuilder servers = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      servers.append("  server r").append(i + 1).append(" 127.0.0.1:").append(ports.get(i))
          .append(" check inter 250 fall 2 rise 1\n");
    }
    Files.writeString(cfg, """
        defaults
          mode http
          timeout connect 1s
          timeout client 60s
          timeout server 60s
          timeout tunnel 1h
          retries 3
          option redispatch 1
        listen gateway
          bind 127.0.0.1:%d
          balance roundrobin
          option httpchk GET /readyz
          http-response set-header X-Served-By %%s
        %s""".formatted(front, servers));
    haproxy = ExternalProcess.start("haproxy", new ProcessBuilder(haproxyBin, "-db", "-f", cfg.toString()))
        .awaitPort(front);
    balancer = "http://127.0.0.1:" + front;
    await().atMost(Duration.ofSeconds(20)).until(() -> get(balancer + "/readyz").statusCode() == 200);
    // warm every replica (and the SDK) up: the timed stages measure events, not class loading
    String warm = new AdminClient(replicaUrl(1), ADMIN_KEY).createKey("{\"name\":\"cluster-warm-up\"}");
    for (int n = 1; n <= 3; n++) {
      OpenAIClient c = openAi(replicaUrl(n), warm);
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
          .until(() -> c.chat().completions().create(ask("warm up")).choices().size() == 1);
    }
  }

  @Override
  public void close() throws Exception {
    for (ExternalProcess p : replicas) {
      p.close();
    }
    if (haproxy != null) {
      haproxy.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  void startRedis() throws Exception {
    redis = ExternalProcess.start("redis-server", new ProcessBuilder(redisServer, "--port", String.valueOf(redisPort),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")).awaitPort(redisPort);
  }

  /** Writes the configuration of every replica; {@code extraServers} adds MCP servers (a reload). */
  void writeConfig(String extraServers) throws Exception {
    Files.writeString(config, """
        server:
          host: 127.0.0.1
          reload: { watch: false }
          max_connections_per_address: 0
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: "%s"
          key_refresh_ms: 600000   # far beyond the test: a change seen in time came as an event
        admin: { key: %s }
        audit: { enabled: false }
        mcp:
          servers:
            demo: { type: builtin }
        %s
        cluster:
          redis: { url: "redis://127.0.0.1:%d", reconnect_ms: 200 }
          fail: closed
        %s
        """.formatted(storeUrl, ADMIN_KEY, extraServers, redisPort, extra));
  }

  private ExternalProcess replica(int n) throws Exception {
    ProcessBuilder b = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-Xmx128m",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        "dev.portcullis.Main", "serve", "--config", config.toString(), "--port", String.valueOf(ports.get(n - 1)),
        "--event-loops", "1");
    b.environment().put("PORTCULLIS_LOG_LEVEL", "INFO"); // the test waits for the INFO line "listening on"
    return ExternalProcess.start("replica " + n, b);
  }

  private static void awaitListening(ExternalProcess p) {
    await().atMost(Duration.ofSeconds(90)).alias(p.name + " listening; output: " + p.output).until(() -> {
      if (!p.process.isAlive()) {
        throw new AssertionError(p.name + " exited: " + String.join("\n", p.output));
      }
      return p.output.stream().map(LISTENING::matcher).anyMatch(Matcher::find);
    });
  }

  /** The replicas' warnings and errors, for a failing assertion's message. */
  String warnings() {
    StringBuilder out = new StringBuilder();
    for (ExternalProcess p : replicas) {
      p.output.stream().filter(l -> l.contains("WARN") || l.contains("ERROR")).limit(20)
          .forEach(l -> out.append(p.name).append(": ").append(l).append('\n'));
    }
    return out.toString();
  }

  String replicaUrl(int n) {
    return "http://127.0.0.1:" + ports.get(n - 1);
  }

  AdminClient admin(int n) {
    return new AdminClient(replicaUrl(n), ADMIN_KEY);
  }

  /** Waits until every replica knows the key (created through one of them, announced to the others). */
  void awaitKnownEverywhere(String key) {
    for (int n = 1; n <= 3; n++) {
      String base = replicaUrl(n);
      await().atMost(Duration.ofSeconds(5)).until(() -> get(base + "/v1/models", key).statusCode() == 200);
    }
  }

  static OpenAIClient openAi(String base, String key) {
    return OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey(key).maxRetries(0)
        .timeout(Duration.ofSeconds(20)).build();
  }

  static ChatCompletionCreateParams ask(String text) {
    return ChatCompletionCreateParams.builder().model("demo").addUserMessage(text).maxTokens(5).build();
  }

  HttpResponse<String> get(String url) throws Exception {
    return get(url, null);
  }

  HttpResponse<String> get(String url, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String url, String key, String body) throws Exception {
    return post(url, key, body, null);
  }

  /** @param headers more headers, name then value, or null */
  HttpResponse<String> post(String url, String key, String body, String[] headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    if (headers != null) {
      b.headers(headers);
    }
    return http.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}

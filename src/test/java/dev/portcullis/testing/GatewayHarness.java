package dev.portcullis.testing;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.portcullis.Gateway;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.llm.TokenCounter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A gateway started in-process from a YAML text, on a free port, for one test class. */
public final class GatewayHarness implements AutoCloseable {
  public static final String KEY = "test-key";

  private final Gateway gateway;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private GatewayHarness(Gateway gateway) {
    this.gateway = gateway;
  }

  /** Starts a gateway; the YAML may omit {@code clients} (then {@link #KEY} is accepted). */
  public static GatewayHarness start(String yaml) throws Exception {
    return start(yaml, new TokenCounter());
  }

  /** As above, counting tokens with {@code tokens} (a test holding its vocabularies back, say). */
  public static GatewayHarness start(String yaml, TokenCounter tokens) throws Exception {
    String full = yaml.contains("clients:") ? yaml : yaml + "\nclients:\n  keys: [" + KEY + "]\n";
    Path file = Files.createTempFile("portcullis-test", ".yaml");
    Files.writeString(file, full);
    try {
      GatewayConfig config = new ConfigLoader().load(file);
      return new GatewayHarness(Gateway.start(null, config, 0, 2, tokens));
    } finally {
      Files.deleteIfExists(file);
    }
  }

  public int port() {
    return gateway.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + gateway.port();
  }

  /** The official OpenAI Java SDK pointed at the gateway, with its own retries off. */
  public OpenAIClient openAi() {
    return openAi(KEY);
  }

  /** The official OpenAI Java SDK with another gateway key (a virtual key, say). */
  public OpenAIClient openAi(String key) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(baseUrl() + "/v1")
        .apiKey(key)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  /** The gateway itself (for example to flush its usage records). */
  public Gateway gateway() {
    return gateway;
  }

  public HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
        .header("authorization", "Bearer " + KEY)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(baseUrl() + path))
        .header("authorization", "Bearer " + KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    gateway.close();
  }
}

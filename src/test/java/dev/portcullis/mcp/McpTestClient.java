package dev.portcullis.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** A bare-bones Streamable HTTP client for protocol-level tests (raw requests, raw answers). */
public final class McpTestClient {
  public static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;
  private final String key;
  private final AtomicInteger ids = new AtomicInteger();
  public String session;
  private final java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();

  public McpTestClient(String url, String key) {
    this.url = url;
    this.key = key;
  }

  /** Sends this header with every request (a persona, say). */
  public McpTestClient header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public HttpRequest.Builder request() {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json");
    if (key != null) {
      b.header("authorization", "Bearer " + key);
    }
    if (session != null) {
      b.header("mcp-session-id", session);
    }
    headers.forEach(b::header);
    return b;
  }

  public HttpResponse<String> post(String body) throws IOException, InterruptedException {
    return send(request().POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
    return http.send(r, HttpResponse.BodyHandlers.ofString());
  }

  public JsonNode initialize(String version) throws Exception {
    HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{"
        + "\"protocolVersion\":\"" + version + "\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    if (r.statusCode() != 200) {
      throw new IllegalStateException("initialize: " + r.statusCode() + " " + r.body());
    }
    session = r.headers().firstValue("mcp-session-id").orElseThrow();
    post("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    return JSON.readTree(r.body()).get("result");
  }

  /** Sends a request and returns the whole JSON-RPC response (from JSON or the last SSE event). */
  public JsonNode rpc(String method, String paramsJson) throws Exception {
    HttpResponse<String> r = post("{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\""
        + method + "\"" + (paramsJson == null ? "" : ",\"params\":" + paramsJson) + "}");
    if (r.statusCode() != 200) {
      throw new IllegalStateException(method + ": HTTP " + r.statusCode() + " " + r.body());
    }
    String ct = r.headers().firstValue("content-type").orElse("");
    if (ct.startsWith("text/event-stream")) {
      JsonNode last = null;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("data: ") && line.length() > 6) {
          last = JSON.readTree(line.substring(6));
        }
      }
      return last;
    }
    return JSON.readTree(r.body());
  }

  /** The result of a request; fails the test when it is an error. */
  public JsonNode result(String method, String paramsJson) throws Exception {
    JsonNode r = rpc(method, paramsJson);
    if (r.has("error")) {
      throw new AssertionError(method + " failed: " + r.get("error"));
    }
    return r.get("result");
  }

  public JsonNode callTool(String name, String argsJson) throws Exception {
    return rpc("tools/call", "{\"name\":\"" + name + "\",\"arguments\":" + argsJson + "}");
  }

  public static String text(JsonNode response) {
    return response.path("result").path("content").path(0).path("text").asText();
  }
}

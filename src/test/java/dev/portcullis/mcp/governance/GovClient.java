package dev.portcullis.mcp.governance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw JSON-RPC client of the gateway's MCP endpoint for governance tests: a bearer credential,
 * an optional persona header, a legacy session (initialize) or 2026-07-28 stateless requests.
 */
final class GovClient {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String MODERN = "2026-07-28";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;
  private final String bearer;
  private final String persona;
  private final AtomicInteger ids = new AtomicInteger();
  String session;
  /** Capabilities declared by stateless requests (2026-07-28). */
  String modernCapabilities = "{}";

  GovClient(String url, String bearer, String persona) {
    this.url = url;
    this.bearer = bearer;
    this.persona = persona;
  }

  private HttpRequest.Builder request() {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("accept", "application/json, text/event-stream").header("content-type", "application/json")
        .header("authorization", "Bearer " + bearer);
    if (persona != null) {
      b.header("x-portcullis-persona", persona);
    }
    if (session != null) {
      b.header("mcp-session-id", session);
    }
    return b;
  }

  /** Opens a legacy session declaring these client capabilities. */
  GovClient initialize(String capabilities) throws Exception {
    HttpResponse<String> r = HTTP.send(request().POST(HttpRequest.BodyPublishers.ofString(
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\","
            + "\"capabilities\":" + capabilities + ",\"clientInfo\":{\"name\":\"gov-test\",\"version\":\"2\"}}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("initialize: " + r.statusCode() + " " + r.body());
    }
    session = r.headers().firstValue("mcp-session-id").orElseThrow();
    HTTP.send(request().POST(HttpRequest.BodyPublishers.ofString(
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")).build(), HttpResponse.BodyHandlers.ofString());
    return this;
  }

  /** A legacy request on the session; the whole JSON-RPC answer. */
  JsonNode rpc(String method, String params) throws Exception {
    HttpResponse<String> r = HTTP.send(request().POST(HttpRequest.BodyPublishers.ofString(
        "{\"jsonrpc\":\"2.0\",\"id\":" + ids.incrementAndGet() + ",\"method\":\"" + method + "\",\"params\":"
            + params + "}")).build(), HttpResponse.BodyHandlers.ofString());
    return last(r);
  }

  /** A 2026-07-28 stateless request (no session). */
  JsonNode modern(String method, String name, String params) throws Exception {
    ObjectNode p = (ObjectNode) JSON.readTree(params);
    ObjectNode meta = p.putObject("_meta").put("io.modelcontextprotocol/protocolVersion", MODERN);
    meta.putObject("io.modelcontextprotocol/clientInfo").put("name", "gov-modern").put("version", "1");
    meta.set("io.modelcontextprotocol/clientCapabilities", JSON.readTree(modernCapabilities));
    ObjectNode body = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", ids.incrementAndGet())
        .put("method", method);
    body.set("params", p);
    HttpRequest.Builder b = request().header("mcp-protocol-version", MODERN).header("mcp-method", method);
    if (name != null) {
      b.header("mcp-name", name);
    }
    return last(HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
        HttpResponse.BodyHandlers.ofString()));
  }

  JsonNode call(String tool, String args) throws Exception {
    return rpc("tools/call", "{\"name\":\"" + tool + "\",\"arguments\":" + args + "}");
  }

  List<String> toolNames() throws Exception {
    return names(rpc("tools/list", "{}").path("result").path("tools"), "name");
  }

  static List<String> names(JsonNode array, String field) {
    List<String> out = new ArrayList<>();
    array.forEach(t -> out.add(t.path(field).asText()));
    return out;
  }

  static JsonNode last(HttpResponse<String> r) throws Exception {
    if (r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream")) {
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

  static String text(JsonNode response) {
    return response.path("result").path("content").path(0).path("text").asText();
  }
}

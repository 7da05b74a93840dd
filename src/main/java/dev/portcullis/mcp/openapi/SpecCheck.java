package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.McpServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code config check --fetch-specs}: builds every openapi server's tools the way {@code serve}
 * does, from its description read through the same SSRF-guarded fetch (its
 * {@code allow_private_addresses}, {@code timeout_ms}, size and redirect limits), and reports what
 * would keep a server from serving. Blocking; starts and stops a Vert.x instance of its own.
 */
public final class SpecCheck {
  private SpecCheck() {}

  /** One problem per openapi server whose description cannot be fetched, parsed or mapped ("mcp.servers.K.spec: why"). */
  public static List<String> problems(Map<String, McpServerConfig> servers) {
    List<String> problems = new ArrayList<>();
    if (servers.values().stream().noneMatch(McpServerConfig.OpenApi.class::isInstance)) {
      return problems;
    }
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient http = vertx.createHttpClient();
      ObjectMapper json = new ObjectMapper();
      servers.forEach((key, s) -> {
        if (!(s instanceof McpServerConfig.OpenApi o)) {
          return;
        }
        try {
          OpenApiTransport.build(vertx, http, key, o, json);
        } catch (SpecLoader.SpecException e) {
          problems.add("mcp.servers." + key + ".spec: " + e.getMessage());
        }
      });
    } finally {
      vertx.close();
    }
    return problems;
  }
}

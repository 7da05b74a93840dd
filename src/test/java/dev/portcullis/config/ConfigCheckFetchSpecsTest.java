package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.testing.Cli;
import dev.portcullis.testing.Cli.Run;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code config check --fetch-specs}: remote OpenAPI descriptions are fetched through the same
 * SSRF guard serve uses and parsed; without the option, check touches no network.
 */
class ConfigCheckFetchSpecsTest {
  static final String SPEC = """
      {"openapi": "3.0.3", "info": {"title": "Pets", "version": "1"},
       "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {"200": {"description": "ok"}}}}}}
      """;

  @TempDir
  Path dir;
  HttpServer server;
  final AtomicInteger fetches = new AtomicInteger();

  @BeforeEach
  void serveSpecs() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      fetches.incrementAndGet();
      boolean found = exchange.getRequestURI().getPath().equals("/openapi.json");
      byte[] body = (found ? SPEC : "{\"error\": \"no such document\"}").getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.sendResponseHeaders(found ? 200 : 404, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  Path config(String path, boolean allowPrivate) throws Exception {
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    Path f = dir.resolve("portcullis.yaml");
    Files.writeString(f, """
        clients: { keys: [k] }
        models:
          demo: { deployments: [ { name: demo-1, type: demo } ] }
        mcp:
          servers:
            pets: { type: openapi, spec: "%s%s", base_url: "%s", allow_private_addresses: %s }
        """.formatted(base, path, base, allowPrivate));
    return f;
  }

  @Test
  void withoutTheOptionNothingIsFetched() throws Exception {
    Run r = Cli.run("config", "check", config("/missing.json", true).toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(fetches.get()).isZero();
  }

  @Test
  void aReachableDescriptionPasses() throws Exception {
    Path f = config("/openapi.json", true);
    Run r = Cli.run("config", "check", "--fetch-specs", f.toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("OK");
    assertThat(fetches.get()).isPositive();
  }

  @Test
  void aDescriptionThatCannotBeFetchedIsAProblemNamingTheServer() throws Exception {
    Path f = config("/missing.json", true);
    Run r = Cli.run("config", "check", "--fetch-specs", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(f + ": mcp.servers.pets.spec: ").contains("404");
    JsonNode json = new ObjectMapper().readTree(Cli.run("config", "check", "--fetch-specs", "--json",
        f.toString()).out());
    assertThat(json.path("valid").asBoolean()).isFalse();
    assertThat(json.path("problems").get(0).asText()).startsWith("mcp.servers.pets.spec: ");
  }

  @Test
  void anAddressTheGuardRefusesIsAProblemAndIsNotContacted() throws Exception {
    Path f = config("/openapi.json", false);
    Run r = Cli.run("config", "check", "--fetch-specs", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains(f + ": mcp.servers.pets.spec: ").contains("refused");
    assertThat(fetches.get()).isZero();
  }
}

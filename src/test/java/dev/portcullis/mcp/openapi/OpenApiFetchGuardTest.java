package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.testing.GatewayHarness;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where a description and its {@code $ref}s may come from. 127.0.0.2 plays an allowed internal
 * host ({@code allow_private_addresses: [127.0.0.2/32]}); 127.0.0.1 plays an internal address
 * nobody allowed, holding a secret that must never be fetched, through a redirect or a reference.
 */
class OpenApiFetchGuardTest {
  static final String SECRET = "TOP-SECRET-FROM-LOOPBACK";
  static final SsrfGuard ONLY_127_0_0_2 = new SsrfGuard(new PrivateAccess(false, List.of("127.0.0.2/32")));
  static Vertx vertx;
  static DocumentServer allowed;
  static DocumentServer internal;
  static Path dir;

  /** A one-operation description whose answer schema is {@code ref}. */
  static String spec(String ref) {
    return """
        {"openapi": "3.0.3", "info": {"title": "Things", "version": "1"},
         "paths": {"/things": {"get": {"operationId": "getThing", "responses": {"200": {"description": "ok",
           "content": {"application/json": {"schema": {"$ref": "%s"}}}}}}}}}
        """.formatted(ref);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    internal = new DocumentServer("127.0.0.1").document("/secret.json",
        "{\"Secret\": {\"type\": \"object\", \"description\": \"" + SECRET + "\"}}")
        .document("/spec.json", spec("#/components/schemas/Nothing").replace("Things", SECRET));
    allowed = new DocumentServer("127.0.0.2");
    allowed.document("/schemas.json", "{\"Thing\": {\"type\": \"object\", \"properties\": {\"owner\": {\"$ref\":"
            + " \"people.json#/Person\"}}}}")
        .document("/people.json", "{\"Person\": {\"type\": \"object\", \"description\": \"a person on 127.0.0.2\"}}")
        .document("/good.json", spec(allowed.url("/schemas.json") + "#/Thing"))
        .redirect("/moved.json", allowed.url("/good.json"))
        .redirect("/to-loopback.json", internal.url("/spec.json"))
        .document("/ref-loopback.json", spec(internal.url("/secret.json") + "#/Secret"))
        .document("/ref-metadata.json", spec("http://169.254.169.254/latest/meta-data/schemas.json#/X"))
        .document("/ref-file.json", spec("file:///etc/passwd#/X"))
        .document("/ref-jar.json", spec("jar:file:/tmp/x.jar!/s.json#/X"))
        .redirect("/hop.json", internal.url("/secret.json"))
        .redirect("/to-file.json", "file:///etc/passwd")
        .redirect("/circle.json", "/circle.json")
        .document("/ref-redirected.json", spec(allowed.url("/hop.json") + "#/Secret"));
    dir = Files.createTempDirectory("openapi-fetch-guard");
    Files.createDirectory(dir.resolve("api"));
    Files.writeString(dir.resolve("api/passwd.json"), spec("file:///etc/passwd#/X"));
    Files.writeString(dir.resolve("outside.json"), "{\"X\": {\"type\": \"string\", \"description\": \"outside\"}}");
    Files.writeString(dir.resolve("api/escape.json"), spec("../outside.json#/X"));
    Files.writeString(dir.resolve("api/loopback.json"), spec(internal.url("/secret.json") + "#/Secret"));
  }

  @AfterAll
  static void stop() throws Exception {
    allowed.close();
    internal.close();
    vertx.close();
  }

  static SpecLoader.Spec load(String location, SsrfGuard guard) throws SpecLoader.SpecException {
    return SpecLoader.load(location, SpecLoader.fetcher(vertx, vertx.createHttpClient(), guard, 10_000));
  }

  @Test
  void remoteRefsOnAllowedHostsAndRedirectsWithinThemAreFollowed() throws Exception {
    for (String path : List.of("/good.json", "/moved.json")) {
      SpecLoader.Spec spec = load(allowed.url(path), ONLY_127_0_0_2);
      assertThat(spec.document().toString()).as(path).contains("a person on 127.0.0.2");
    }
  }

  @Test
  void aDescriptionRedirectingToAnInternalAddressIsRefused() {
    int before = internal.requests();
    assertThatThrownBy(() -> load(allowed.url("/to-loopback.json"), ONLY_127_0_0_2))
        .hasMessageContaining("refused to fetch " + internal.url("/spec.json"))
        .hasMessageContaining("127.0.0.1, a loopback address").hasMessageContaining("allow_private_addresses");
    assertThat(internal.requests()).isEqualTo(before);
  }

  @Test
  void refsToInternalAddressesAreRefusedDirectlyOrThroughARedirect() {
    int before = internal.requests();
    assertThatThrownBy(() -> load(allowed.url("/ref-loopback.json"), ONLY_127_0_0_2))
        .hasMessageContaining("refused to fetch " + internal.url("/secret.json"))
        .hasMessageContaining("loopback").hasMessageContaining("referenced from " + allowed.url("/ref-loopback.json"));
    assertThatThrownBy(() -> load(allowed.url("/ref-redirected.json"), ONLY_127_0_0_2))
        .hasMessageContaining("refused to fetch " + internal.url("/secret.json")).hasMessageContaining("loopback");
    assertThatThrownBy(() -> load(allowed.url("/ref-metadata.json"), ONLY_127_0_0_2))
        .hasMessageContaining("http://169.254.169.254/latest/meta-data/schemas.json")
        .hasMessageContaining("link-local");
    assertThat(internal.requests()).isEqualTo(before);
  }

  @Test
  void refsToOtherSchemesAreRefused() {
    assertThatThrownBy(() -> load(allowed.url("/ref-file.json"), ONLY_127_0_0_2))
        .hasMessageContaining("file:///etc/passwd").hasMessageContaining("may not reference local files");
    assertThatThrownBy(() -> load(allowed.url("/ref-jar.json"), ONLY_127_0_0_2))
        .hasMessageContaining("jar:file:/tmp/x.jar").hasMessageContaining("only http and https");
  }

  @Test
  void redirectsToOtherSchemesOrInCirclesAreRefused() {
    assertThatThrownBy(() -> load(allowed.url("/to-file.json"), ONLY_127_0_0_2))
        .hasMessageContaining("refused to fetch file:///etc/passwd").hasMessageContaining("only http and https");
    assertThatThrownBy(() -> load(allowed.url("/circle.json"), ONLY_127_0_0_2))
        .hasMessageContaining(allowed.url("/circle.json")).hasMessageContaining("more than 5 redirects");
  }

  @Test
  void aLocalDescriptionReadsFilesOnlyInItsDirectoryAndNoInternalUrls() throws Exception {
    assertThatThrownBy(() -> load(dir.resolve("api/passwd.json").toString(), ONLY_127_0_0_2))
        .hasMessageContaining("file:///etc/passwd").hasMessageContaining("only in its own directory");
    assertThatThrownBy(() -> load(dir.resolve("api/escape.json").toString(), ONLY_127_0_0_2))
        .hasMessageContaining("outside.json").hasMessageContaining("only in its own directory");
    int before = internal.requests();
    assertThatThrownBy(() -> load(dir.resolve("api/loopback.json").toString(), ONLY_127_0_0_2))
        .hasMessageContaining("refused to fetch " + internal.url("/secret.json")).hasMessageContaining("loopback");
    assertThat(internal.requests()).isEqualTo(before);
    // the operator who allows the address gets the reference resolved
    SpecLoader.Spec spec = load(dir.resolve("api/loopback.json").toString(),
        new SsrfGuard(new PrivateAccess(false, List.of("127.0.0.1/32"))));
    assertThat(spec.document().toString()).contains(SECRET);
  }

  @Test
  void throughTheGatewayOnlyTheAllowedDescriptionBecomesToolsAndNothingInternalIsEmbedded() throws Exception {
    int before = internal.requests();
    String upstream = """
          %1$s:
            type: openapi
            spec: "%2$s"
            base_url: http://127.0.0.2:9/api
            allow_private_addresses: [127.0.0.2/32]
        """;
    StringBuilder servers = new StringBuilder(); // each block indented under mcp.servers
    servers.append(upstream.formatted("good", allowed.url("/good.json")).indent(2));
    servers.append(upstream.formatted("moved", allowed.url("/to-loopback.json")).indent(2));
    servers.append(upstream.formatted("loopref", allowed.url("/ref-loopback.json")).indent(2));
    servers.append(upstream.formatted("hopref", allowed.url("/ref-redirected.json")).indent(2));
    servers.append(upstream.formatted("metaref", allowed.url("/ref-metadata.json")).indent(2));
    servers.append(upstream.formatted("fileref", allowed.url("/ref-file.json")).indent(2));
    servers.append(upstream.formatted("localfile", dir.resolve("api/passwd.json")).indent(2));
    try (GatewayHarness gw = GatewayHarness.start("models:\n  demo: { deployments: [ { name: d, type: demo } ] }\n"
        + "mcp:\n  servers:\n" + servers)) {
      McpTestClient c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
      c.initialize("2025-11-25");
      JsonNode[] listed = new JsonNode[1];
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        listed[0] = c.result("tools/list", null);
        return listed[0].toString().contains("good__getThing");
      });
      List<String> names = new ArrayList<>();
      listed[0].path("tools").forEach(t -> names.add(t.path("name").asText()));
      assertThat(names).containsExactly("good__getThing");
      assertThat(listed[0].toString()).contains("a person on 127.0.0.2").doesNotContain(SECRET)
          .doesNotContain("root:");
    }
    assertThat(internal.requests()).isEqualTo(before);
  }
}

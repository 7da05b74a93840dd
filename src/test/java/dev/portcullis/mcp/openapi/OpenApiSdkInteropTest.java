package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official MCP TypeScript SDK v1 client (which validates structured results against each
 * tool's output schema) calls the Petstore through the gateway; the REST server records what
 * arrived.
 */
class OpenApiSdkInteropTest {
  static RecordingApiServer api;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    NodeSupport.node();
    String petstore = NodeSupport.oasExample("3.0/json/petstore.json");
    api = new RecordingApiServer();
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            pets:
              type: openapi
              spec: "%2$s"
              base_url: http://127.0.0.1:%1$d/v3
              allow_private_addresses: [127.0.0.1/32]
              auth: { type: bearer, token: "${PETSTORE_TOKEN:-pet-token}" }
            meta:
              type: openapi
              spec: "%2$s"
              base_url: http://169.254.169.254/v3
              include: { operations: [getPetById] }
        """.formatted(api.port(), petstore));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void typescriptSdkV1ClientCallsRestOperations() throws Exception {
    String out = NodeSupport.run("openapi-client-v1.mjs", gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    JsonNode r = McpTestClient.JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    assertThat(r.path("tools").toString()).contains("\"pets__getPetById\"", "\"pets__addPet\"",
        "\"pets__loginUser\"", "\"meta__getPetById\"");
    assertThat(r.path("tools")).hasSize(21);
    assertThat(r.at("/getPetAnnotations/readOnlyHint").asBoolean()).isTrue();
    assertThat(r.at("/getPetInput/required/0").asText()).isEqualTo("petId");

    assertThat(r.at("/pet/id").asInt()).isEqualTo(3);
    assertThat(r.at("/pet/name").asText()).isEqualTo("doggie");
    RecordingApiServer.Seen get = api.last("/v3/pet/3");
    assertThat(get.method()).isEqualTo("GET");
    assertThat(get.headers()).containsEntry("authorization", "Bearer pet-token");

    assertThat(r.at("/sold/result/0/status").asText()).isEqualTo("sold");
    assertThat(api.last("/v3/pet/findByStatus").uri()).isEqualTo("/v3/pet/findByStatus?status=sold");

    assertThat(r.at("/added/name").asText()).isEqualTo("Milo");
    RecordingApiServer.Seen post = api.exact("/v3/pet");
    assertThat(post.method()).isEqualTo("POST");
    assertThat(post.body()).isEqualTo("{\"id\":11,\"name\":\"Milo\",\"photoUrls\":[\"m.png\"],\"status\":\"pending\"}");

    assertThat(r.at("/missing/isError").asBoolean()).isTrue();
    assertThat(r.at("/missing/text").asText()).startsWith("HTTP 404");

    assertThat(r.at("/login/text").asText()).isEqualTo("logged in user session:12345");
    assertThat(api.last("/v3/user/login").uri()).isEqualTo("/v3/user/login?username=ada&password=p%20w");

    assertThat(r.at("/refused/isError").asBoolean()).isTrue();
    assertThat(r.at("/refused/text").asText()).contains("169.254.169.254").contains("link-local");
  }
}

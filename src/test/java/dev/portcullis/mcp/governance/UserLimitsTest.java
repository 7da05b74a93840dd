package dev.portcullis.mcp.governance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Per-user limits ({@code limits.users}) through the MCP surface: each subject of an access
 * token from a real identity provider has its own requests per minute; one user using theirs up
 * leaves another's untouched; the refusal names the user scope.
 */
class UserLimitsTest {
  MockOAuth2Server idp;
  RecordingUpstream files;
  GatewayHarness gw;
  String issuer;

  @BeforeEach
  void start() throws Exception {
    idp = MockIdp.start();
    issuer = idp.issuerUrl("default").toString();
    // the provider's first answer can take longer than the gateway's metadata fetch allows on a
    // loaded machine; one read here has it warm before the gateway asks
    try (var in = java.net.URI.create(issuer + "/.well-known/openid-configuration").toURL().openStream()) {
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).contains("jwks_uri");
    }
    files = new RecordingUpstream();
    gw = GatewayHarness.start("""
        mcp:
          servers:
            files: { type: http, url: "%s" }
        identity:
          issuers:
            - issuer: %s
          mcp_scopes: [mcp]
          fetch: { allow_private_networks: true, allow_http: true }
        limits:
          users: { rpm: 2 }
        """.formatted(files.url(), issuer));
  }

  @AfterEach
  void stop() throws Exception {
    gw.close();
    files.close();
    idp.shutdown();
  }

  String token(String sub) {
    return idp.issueToken("default", "client-1", new DefaultOAuth2TokenCallback("default", sub,
        JOSEObjectType.JWT.getType(), List.of(gw.baseUrl() + "/mcp"), Map.of("scope", "mcp"), 3600)).serialize();
  }

  @Test
  void eachUserHasTheirOwnRequestsPerMinute() throws Exception {
    GovClient alice = new GovClient(gw.baseUrl() + "/mcp", token("alice"), null).initialize("{}");
    GovClient bob = new GovClient(gw.baseUrl() + "/mcp", token("bob"), null).initialize("{}");
    assertThat(GovClient.text(alice.call("files__echo", "{\"text\":\"1\"}"))).isEqualTo("1");
    assertThat(GovClient.text(alice.call("files__echo", "{\"text\":\"2\"}"))).isEqualTo("2");
    int before = files.calls().size();

    JsonNode refused = alice.call("files__echo", "{\"text\":\"3\"}");

    assertThat(refused.path("error").path("code").asInt()).as(refused.toString()).isEqualTo(McpError.RATE_LIMITED);
    assertThat(refused.at("/error/data/limit").asText()).isEqualTo("rpm");
    assertThat(refused.at("/error/data/scope").asText()).isEqualTo("user");
    assertThat(refused.at("/error/data/subject").asText()).isEqualTo("user:alice@" + issuer);
    assertThat(refused.at("/error/message").asText()).contains("user 'alice'").contains("(RPM)");
    assertThat(files.calls()).hasSize(before);
    // another user's minute is their own
    assertThat(GovClient.text(bob.call("files__echo", "{\"text\":\"bob\"}"))).isEqualTo("bob");
    assertThat(GovClient.text(bob.call("files__echo", "{\"text\":\"bob2\"}"))).isEqualTo("bob2");
  }
}

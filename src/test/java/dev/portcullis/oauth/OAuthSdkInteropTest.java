package dev.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEObjectType;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official MCP TypeScript SDK v1 client's OAuth support, unchanged, against the built-in
 * authorization server federating to a real OpenID Connect provider: it discovers the server,
 * registers, runs the PKCE authorization (a scripted browser clicks through the login and the
 * consent page), calls MCP tools with the gateway's token and refreshes it.
 */
class OAuthSdkInteropTest {
  static MockOAuth2Server idp;
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    gw = GatewayHarness.start("""
        mcp:
          servers:
            demo: { type: builtin }
        identity:
          mcp_scopes: [mcp]
          fetch: { allow_private_networks: true, allow_http: true, timeout_ms: 20000 }   # a cold mock IdP on a busy machine
          authorization_server:
            upstream:
              issuer: %s
              client_id: portcullis
              client_secret: upstream-secret
        """.formatted(idp.issuerUrl("default")));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
  }

  @Test
  void sdkClientLogsInThroughTheGatewayAndCallsTools() throws Exception {
    NodeSupport.node();
    idp.enqueueCallback(new DefaultOAuth2TokenCallback("default", "dana", JOSEObjectType.JWT.getType(),
        List.of("portcullis"), Map.of("email", "dana@example.com"), 3600));
    String line = NodeSupport.run("oauth-client-v1.mjs", gw.baseUrl() + "/mcp").trim();
    JsonNode out = new ObjectMapper().readTree(line.substring(line.lastIndexOf('\n') + 1));
    assertThat(out.has("error")).as(out.path("error").asText()).isFalse();
    assertThat(out.path("redirected").asBoolean()).isTrue();
    assertThat(out.path("registered").asBoolean()).isTrue();
    assertThat(out.path("consentShown").asBoolean()).isTrue();
    assertThat(out.path("redirectIss").asText()).isEqualTo(gw.baseUrl());
    assertThat(out.path("tokenType").asText()).isEqualToIgnoringCase("bearer");
    assertThat(out.path("tools").asInt()).isPositive();
    assertThat(out.path("echo").asText()).contains("with a gateway token");
    assertThat(out.path("refresh").asText()).isEqualTo("AUTHORIZED");
    assertThat(out.path("refreshedNewToken").asBoolean()).isTrue();
    assertThat(out.path("afterRefreshTools").asInt()).isPositive();
  }
}

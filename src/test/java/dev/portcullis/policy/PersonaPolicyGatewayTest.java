package dev.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Personas and CEL policy on the LLM routes of a running gateway: persona grants, who may act
 * through a persona (keys, IdP groups), the user/persona intersection, and policy hot reload.
 */
class PersonaPolicyGatewayTest {
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static Path policy;

  @BeforeAll
  static void start() throws Exception {
    idp = MockIdp.start();
    policy = Files.createTempFile("portcullis-policy", ".yaml");
    Files.writeString(policy, """
        rules:
          - name: no-blocked
            when: "model == 'blocked'"
            effect: deny
            reason: the blocked model is off limits
          - name: night-shift
            when: "surface == 'llm' && model == 'careful' && !('senior' in principal.groups)"
            effect: require_approval
        """);
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
          blocked: { deployments: [ { type: demo } ] }
          careful: { deployments: [ { type: demo } ] }
          other: { deployments: [ { type: demo } ] }
        clients:
          keys: [test-key, second-key]
        identity:
          issuers: [ { issuer: %s } ]
          llm_routes: true
          fetch: { allow_private_networks: true, allow_http: true }
        personas:
          summariser:
            models: [demo, blocked]
            keys: [config-key-1]
            groups: [writers]
        policy:
          file: %s
          reload_ms: 100
        """.formatted(idp.issuerUrl("default"), policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
    Files.deleteIfExists(policy);
  }

  static HttpResponse<String> chat(String bearer, String persona, String model) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
        .header("authorization", "Bearer " + bearer)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    if (persona != null) {
      b.header("x-portcullis-persona", persona);
    }
    return gw.send(b.build());
  }

  static String user(String sub, List<String> groups) {
    return idp.issueToken("default", "c", new DefaultOAuth2TokenCallback("default", sub, JOSEObjectType.JWT.getType(),
        List.of(gw.baseUrl()), Map.of("groups", groups), 600)).serialize();
  }

  @Test
  void personaGrantsLimitModels() throws Exception {
    assertThat(chat("test-key", null, "other").statusCode()).isEqualTo(200); // no persona: no persona limits
    assertThat(chat("test-key", "summariser", "demo").statusCode()).isEqualTo(200);
    HttpResponse<String> r = chat("test-key", "summariser", "other");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("persona 'summariser' is not granted the model 'other'");
  }

  @Test
  void onlyAdmittedCallersMayActThroughAPersona() throws Exception {
    HttpResponse<String> r = chat("second-key", "summariser", "demo");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("persona_not_allowed");
    assertThat(chat("test-key", "nonexistent", "demo").body()).contains("may not act through the persona");
    assertThat(chat(user("wendy", List.of("writers")), "summariser", "demo").statusCode()).isEqualTo(200);
    assertThat(chat(user("eve", List.of("eng")), "summariser", "demo").statusCode()).isEqualTo(403);
  }

  @Test
  void rulesApplyAfterGrantsAndCannotBeEscapedThroughAPersona() throws Exception {
    HttpResponse<String> r = chat("test-key", null, "blocked");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("no-blocked").contains("off limits");
    // the persona grants "blocked", the rule still denies: the intersection, never more
    assertThat(chat("test-key", "summariser", "blocked").statusCode()).isEqualTo(403);
    // the rule that holds juniors' calls for an administrator is tested in ModelCallApprovalTest
    assertThat(chat(user("old", List.of("senior")), null, "careful").statusCode()).isEqualTo(200);
    // Anthropic route: same policy, Anthropic's error shape
    HttpResponse<String> a = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/messages"))
        .header("content-type", "application/json").header("x-api-key", "test-key")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"blocked\",\"max_tokens\":5,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build());
    assertThat(a.statusCode()).isEqualTo(403);
    assertThat(a.body()).contains("\"permission_error\"");
  }

  @Test
  void policyReloadsWithoutRestartAndABrokenFileIsRejected() throws Exception {
    assertThat(chat("test-key", null, "other").statusCode()).isEqualTo(200);
    String before = Files.readString(policy);
    try {
      write(before + """
            - name: no-other
              when: "model == 'other'"
              effect: deny
          """);
      awaitStatus("other", 403);
      write("rules:\n  - name: broken\n    when: \"model ==\"\n    effect: deny\n");
      Thread.sleep(400); // several reload periods
      assertThat(chat("test-key", null, "other").statusCode()).isEqualTo(403); // old rules stay
      assertThat(chat("test-key", null, "blocked").statusCode()).isEqualTo(403);
    } finally {
      write(before);
      awaitStatus("other", 200);
    }
  }

  static void write(String text) throws Exception {
    Files.writeString(policy, text);
    Files.setLastModifiedTime(policy, FileTime.from(Instant.now().plusMillis(text.hashCode() & 0xffff)));
  }

  static void awaitStatus(String model, int status) throws Exception {
    long until = System.currentTimeMillis() + 5_000;
    while (chat("test-key", null, model).statusCode() != status) {
      if (System.currentTimeMillis() > until) {
        throw new AssertionError("policy was not reloaded");
      }
      Thread.sleep(50);
    }
  }
}

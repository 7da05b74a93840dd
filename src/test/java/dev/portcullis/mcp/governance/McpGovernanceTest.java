package dev.portcullis.mcp.governance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEObjectType;
import dev.portcullis.audit.AuditEvent;
import dev.portcullis.audit.AuditRepository;
import dev.portcullis.identity.MockIdp;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.mcp.protocol.McpError;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The MCP surface under the same identity, policy, guard and audit trail as the LLM surface,
 * through the public HTTP surface: persona list filtering and the same rule on every call path,
 * escape attempts, the user/persona intersection, the lethal-trifecta session rule, approvals
 * (elicitation, input_required, administrator), guard pseudonymisation and blocking of arguments
 * and results (the upstream records what reached it), and the write-ahead audit trail.
 */
class McpGovernanceTest {
  static final String ADMIN = "gov-admin";
  static RecordingUpstream files;
  static RecordingUpstream mail;
  static MockOAuth2Server idp;
  static GatewayHarness gw;
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    files = new RecordingUpstream();
    mail = new RecordingUpstream();
    idp = MockIdp.start();
    dir = Files.createTempDirectory("mcp-governance");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, """
        labels:
          "files:read_secret": [sensitive]
          "files://hr/*": [sensitive]
          "mail__send_mail": [external_sender]
        rules:
          - name: lethal-trifecta
            when: "'sensitive' in session.labels && 'external_sender' in labels"
            effect: require_approval
            reason: this session has read sensitive data
          - name: alice-sends-no-mail
            when: "principal.subject == 'alice' && name == 'mail__send_mail'"
            effect: deny
            reason: alice may not send mail
        """);
    gw = GatewayHarness.start("""
        clients:
          keys: [test-key, second-key, third-key]
        store:
          url: "jdbc:sqlite:%s"
        admin:
          key: %s
        audit:
          flush_ms: 50
        identity:
          issuers: [ { issuer: %s } ]
          fetch: { allow_private_networks: true, allow_http: true }
        mcp:
          servers:
            files: { type: http, url: "%s" }
            mail: { type: http, url: "%s" }
          virtual_servers:
            reader:
              tools:
                - { match: "files__*" }
                - { server: files, match: delete_all, rename: cleanup }
        personas:
          researcher:
            tools:
              - { server: files, match: "read_*" }
              - { match: "mail__send_mail" }
              - { match: "*__echo" }
            resources: ["files://public/*"]
            prompts: [ { match: "files__draft" } ]
            keys: [config-key-1]
            users: [alice]
        policy:
          file: %s
        guard:
          rules:
            - name: no-cards
              surfaces: [mcp]
              detectors: [credit_card]
              action: block
            - name: pseudo-mail
              surfaces: [mcp]
              detectors: [email]
              action: pseudonymise
            - name: hide-hosts
              surfaces: [mcp]
              detectors: [ipv4]
              action: redact
              direction: response
        """.formatted(dir.resolve("g.db"), ADMIN, idp.issuerUrl("default"), files.url(), mail.url(), policy));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (idp != null) {
      idp.shutdown();
    }
    files.close();
    mail.close();
  }

  static GovClient client(String bearer, String persona) throws Exception {
    return new GovClient(gw.baseUrl() + "/mcp", bearer, persona).initialize("{}");
  }

  static String user(String sub) {
    return idp.issueToken("default", "c", new DefaultOAuth2TokenCallback("default", sub, JOSEObjectType.JWT.getType(),
        List.of(gw.baseUrl()), Map.of("groups", List.of()), 600)).serialize();
  }

  static int code(JsonNode response) {
    return response.path("error").path("code").asInt();
  }

  static List<AuditEvent> audit(String target, String decision) throws Exception {
    gw.gateway().flushAudit();
    return gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null, target, decision,
        null, null, null, null, null, null, null, 1000));
  }

  static long received(RecordingUpstream u, String tool) {
    return u.calls().stream().filter(c -> c.path("name").asText().equals(tool)).count();
  }

  static JsonNode admin(String method, String path) throws Exception {
    HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
        .header("authorization", "Bearer " + ADMIN).method(method, HttpRequest.BodyPublishers.noBody()).build());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return GovClient.JSON.readTree(r.body());
  }

  @Test
  void personaFiltersListsAndTheSameRuleHoldsOnEveryCallPath() throws Exception {
    GovClient none = client("test-key", null);
    assertThat(none.toolNames()).hasSize(8); // no persona: no persona limits
    GovClient r = client("test-key", "researcher");
    assertThat(r.toolNames()).containsExactly("files__read_secret", "files__echo", "mail__send_mail", "mail__echo");
    assertThat(GovClient.names(r.rpc("resources/list", "{}").path("result").path("resources"), "uri"))
        .containsExactly("files://public/readme");
    assertThat(GovClient.names(r.rpc("prompts/list", "{}").path("result").path("prompts"), "name"))
        .containsExactly("files__draft");

    long before = received(files, "delete_all");
    JsonNode denied = r.call("files__delete_all", "{\"confirm\":\"yes\"}");
    assertThat(code(denied)).isEqualTo(McpError.POLICY_DENIED);
    assertThat(denied.path("error").path("message").asText()).contains("persona:researcher");
    assertThat(received(files, "delete_all")).isEqualTo(before);

    assertThat(code(r.rpc("resources/read", "{\"uri\":\"files://hr/salaries\"}"))).isEqualTo(McpError.POLICY_DENIED);
    assertThat(r.rpc("resources/read", "{\"uri\":\"files://public/readme\"}").path("result").path("contents")
        .path(0).path("text").asText()).isEqualTo("public readme");
    assertThat(code(r.rpc("prompts/get", "{\"name\":\"files__leak\",\"arguments\":{\"to\":\"x\"}}")))
        .isEqualTo(McpError.POLICY_DENIED);
    assertThat(code(r.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"files__leak\"},"
        + "\"argument\":{\"name\":\"to\",\"value\":\"e\"}}"))).isEqualTo(McpError.POLICY_DENIED);
    assertThat(r.rpc("completion/complete", "{\"ref\":{\"type\":\"ref/prompt\",\"name\":\"files__draft\"},"
        + "\"argument\":{\"name\":\"to\",\"value\":\"e\"}}").path("result").path("completion").path("values"))
        .isNotEmpty();
    assertThat(received(files, "leak")).isZero();

    // the refusal is in the audit trail, naming the rule
    AuditEvent e = audit("files/delete_all", "deny").stream().filter(ev -> r.session.equals(ev.sessionId()))
        .findFirst().orElseThrow();
    assertThat(e.policyId()).isEqualTo("persona:researcher");
    assertThat(e.persona()).isEqualTo("researcher");
    assertThat(e.principal()).isEqualTo("config-key-1");
    assertThat(e.outcome()).isEqualTo("refused");
    assertThat(e.clientApp()).isEqualTo("gov-test/2");
    assertThat(e.clientIp()).isEqualTo("127.0.0.1");
  }

  @Test
  void aHiddenToolCannotBeReachedByAnotherName() throws Exception {
    GovClient r = client("test-key", "researcher");
    long deletes = received(files, "delete_all");
    long secrets = received(mail, "read_secret");
    // its upstream name
    JsonNode bare = r.call("delete_all", "{}");
    assertThat(code(bare)).isEqualTo(McpError.INVALID_PARAMS);
    assertThat(bare.path("error").path("message").asText()).contains("Unknown tool");
    // another server's prefix: the grant names server files, not mail
    assertThat(code(r.call("mail__read_secret", "{\"key\":\"k\"}"))).isEqualTo(McpError.POLICY_DENIED);
    // through a virtual server, under its own name and under a rename
    GovClient v = new GovClient(gw.baseUrl() + "/mcp/reader", "test-key", "researcher").initialize("{}");
    assertThat(v.toolNames()).containsExactly("files__read_secret", "files__echo");
    assertThat(code(v.call("files__delete_all", "{}"))).isEqualTo(McpError.POLICY_DENIED);
    assertThat(code(v.call("cleanup", "{}"))).isEqualTo(McpError.POLICY_DENIED);
    assertThat(code(v.call("mail__send_mail", "{}"))).isEqualTo(McpError.INVALID_PARAMS); // not on this endpoint
    assertThat(received(files, "delete_all")).isEqualTo(deletes);
    assertThat(received(mail, "read_secret")).isEqualTo(secrets);
    assertThat(audit("delete_all", "deny")).isNotEmpty(); // unknown names are audited refusals too
  }

  @Test
  void aUserThroughAPersonaGetsTheIntersectionOfBothRights() throws Exception {
    String alice = user("alice");
    GovClient own = client(alice, null);
    assertThat(GovClient.text(own.call("files__delete_all", "{\"confirm\":\"y\"}"))).isEqualTo("deleted everything");
    JsonNode mailDenied = own.call("mail__send_mail", "{\"to\":\"bob\",\"body\":\"x\"}");
    assertThat(code(mailDenied)).isEqualTo(McpError.POLICY_DENIED);
    assertThat(mailDenied.path("error").path("message").asText()).contains("alice-sends-no-mail");

    GovClient persona = client(alice, "researcher");
    assertThat(persona.toolNames()).doesNotContain("files__delete_all", "mail__send_mail") // persona, then the rule
        .contains("files__read_secret");
    assertThat(code(persona.call("files__delete_all", "{}"))).isEqualTo(McpError.POLICY_DENIED);
    assertThat(code(persona.call("mail__send_mail", "{\"to\":\"bob\",\"body\":\"x\"}")))
        .isEqualTo(McpError.POLICY_DENIED); // the persona grants it, the user may not: never more
    assertThat(GovClient.text(persona.call("files__read_secret", "{\"key\":\"k\"}"))).startsWith("secret for k");

    // someone the persona does not admit cannot act through it at all
    HttpResponse<String> eve = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/mcp"))
        .header("authorization", "Bearer " + user("eve")).header("x-portcullis-persona", "researcher")
        .header("content-type", "application/json").header("accept", "application/json, text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
            + "\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"e\","
            + "\"version\":\"1\"}}}")).build());
    assertThat(eve.statusCode()).isEqualTo(403);
  }

  @Test
  void lethalTrifectaNeedsAnAdministratorsApprovalWhenTheClientCannotBeAsked() throws Exception {
    GovClient c = client("test-key", null);
    String send = "{\"to\":\"team\",\"body\":\"q3 numbers\"}";
    assertThat(GovClient.text(c.call("mail__send_mail", send))).isEqualTo("sent to team: q3 numbers");
    assertThat(GovClient.text(c.call("files__read_secret", "{\"key\":\"db\"}"))).startsWith("secret for db");
    long sent = received(mail, "send_mail");

    JsonNode pending = c.call("mail__send_mail", send);
    assertThat(code(pending)).as(pending.toString()).isEqualTo(McpError.APPROVAL_REQUIRED);
    String id = pending.path("error").path("data").path("approval_id").asText();
    assertThat(pending.path("error").path("message").asText()).contains(id).contains("lethal-trifecta");
    assertThat(received(mail, "send_mail")).isEqualTo(sent);
    // retrying before the decision names the same approval
    assertThat(c.call("mail__send_mail", send).path("error").path("data").path("approval_id").asText()).isEqualTo(id);

    JsonNode list = admin("GET", "/admin/approvals?status=pending");
    JsonNode mine = null;
    for (JsonNode a : list.path("data")) {
      if (a.path("id").asText().equals(id)) {
        mine = a;
      }
    }
    assertThat(mine).isNotNull();
    assertThat(mine.path("target").asText()).isEqualTo("mail__send_mail");
    assertThat(mine.path("principal").asText()).isEqualTo("config-key-1");
    assertThat(mine.path("rule").asText()).isEqualTo("lethal-trifecta");
    assertThat(mine.path("arguments").asText()).contains("q3 numbers");
    HttpResponse<String> noKey = gw.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/admin/approvals/" + id
        + "/approve")).POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(noKey.statusCode()).isEqualTo(401);

    // approval is bound to the arguments: other arguments still wait
    assertThat(code(c.call("mail__send_mail", "{\"to\":\"evil\",\"body\":\"q3 numbers\"}")))
        .isEqualTo(McpError.APPROVAL_REQUIRED);
    assertThat(admin("POST", "/admin/approvals/" + id + "/approve").path("status").asText()).isEqualTo("approved");
    // ... and to the principal: another key's identical call does not use it
    GovClient other = client("third-key", null);
    other.call("files__read_secret", "{\"key\":\"db\"}");
    assertThat(code(other.call("mail__send_mail", send))).isEqualTo(McpError.APPROVAL_REQUIRED);

    assertThat(GovClient.text(c.call("mail__send_mail", send))).isEqualTo("sent to team: q3 numbers");
    assertThat(received(mail, "send_mail")).isEqualTo(sent + 1);
    // single use
    JsonNode again = c.call("mail__send_mail", send);
    assertThat(code(again)).isEqualTo(McpError.APPROVAL_REQUIRED);
    String second = again.path("error").path("data").path("approval_id").asText();
    assertThat(second).isNotEqualTo(id);
    admin("POST", "/admin/approvals/" + second + "/deny");
    JsonNode denied = c.call("mail__send_mail", send);
    assertThat(code(denied)).isEqualTo(McpError.POLICY_DENIED);
    assertThat(denied.path("error").path("message").asText()).contains("Denied by an administrator");
    assertThat(received(mail, "send_mail")).isEqualTo(sent + 1);

    // the rule is about this session: a fresh one has read nothing sensitive
    assertThat(GovClient.text(client("test-key", null).call("mail__send_mail", send))).startsWith("sent to team");
    assertThat(audit("mail/send_mail", "require_approval")).isNotEmpty();
  }

  @Test
  void statelessClientsApproveThroughAnInputRequiredResult() throws Exception {
    GovClient c = new GovClient(gw.baseUrl() + "/mcp", "second-key", null);
    c.modernCapabilities = "{\"elicitation\":{}}";
    JsonNode read = c.modern("resources/read", "files://hr/salaries", "{\"uri\":\"files://hr/salaries\"}");
    assertThat(read.path("result").path("contents").path(0).path("text").asText()).contains("salaries");
    String send = "{\"name\":\"mail__send_mail\",\"arguments\":{\"to\":\"team\",\"body\":\"hr data\"}}";
    long sent = received(mail, "send_mail");
    JsonNode first = c.modern("tools/call", "mail__send_mail", send);
    JsonNode result = first.path("result");
    assertThat(result.path("resultType").asText()).as(first.toString()).isEqualTo("input_required");
    JsonNode ask = result.path("inputRequests").path("approval");
    assertThat(ask.path("method").asText()).isEqualTo("elicitation/create");
    assertThat(ask.path("params").path("message").asText()).contains("mail__send_mail").contains("sensitive");
    String state = result.path("requestState").asText();
    assertThat(received(mail, "send_mail")).isEqualTo(sent);

    String accepted = send.replaceFirst("\\{", "{\"requestState\":\"" + state
        + "\",\"inputResponses\":{\"approval\":{\"action\":\"accept\"}},");
    JsonNode done = c.modern("tools/call", "mail__send_mail", accepted);
    assertThat(GovClient.text(done)).as(done.toString()).isEqualTo("sent to team: hr data");
    assertThat(received(mail, "send_mail")).isEqualTo(sent + 1);
    assertThat(mail.calls().get(mail.calls().size() - 1).has("requestState")).isFalse();
    // the handle is single use
    assertThat(code(c.modern("tools/call", "mail__send_mail", accepted))).isEqualTo(McpError.INVALID_PARAMS);

    // declined
    String state2 = c.modern("tools/call", "mail__send_mail", send).path("result").path("requestState").asText();
    JsonNode declined = c.modern("tools/call", "mail__send_mail", send.replaceFirst("\\{", "{\"requestState\":\""
        + state2 + "\",\"inputResponses\":{\"approval\":{\"action\":\"decline\"}},"));
    assertThat(code(declined)).isEqualTo(McpError.POLICY_DENIED);
    assertThat(received(mail, "send_mail")).isEqualTo(sent + 1);

    // a stateless client that cannot be asked: an administrator decides
    c.modernCapabilities = "{}";
    assertThat(code(c.modern("tools/call", "mail__send_mail", send))).isEqualTo(McpError.APPROVAL_REQUIRED);
  }

  @Test
  void theGuardPseudonymisesArgumentsAndRedactsResults() throws Exception {
    GovClient c = client("test-key", null);
    JsonNode echo = c.call("files__echo", "{\"text\":\"write to bob@example.com about bob@example.com\"}");
    assertThat(GovClient.text(echo)).isEqualTo("write to bob@example.com about bob@example.com");
    JsonNode got = files.calls().get(files.calls().size() - 1);
    assertThat(got.toString()).doesNotContain("bob@example.com").contains("[EMAIL_1]");

    // pseudonyms restored in the result, and what the response rule covers redacted on the way back
    String secret = GovClient.text(c.call("files__read_secret", "{\"key\":\"alice@example.com\"}"));
    assertThat(secret).isEqualTo("secret for alice@example.com: hunter2 on host [IP_ADDRESS_1]");
    assertThat(files.calls().get(files.calls().size() - 1).toString()).doesNotContain("alice@example.com");

    // prompt arguments and messages
    JsonNode prompt = c.rpc("prompts/get", "{\"name\":\"files__draft\",\"arguments\":{\"to\":\"erin@example.com\"}}");
    assertThat(prompt.path("result").path("messages").path(0).path("content").path("text").asText())
        .isEqualTo("Write to erin@example.com");
    assertThat(files.received.get(files.received.size() - 1).toString()).doesNotContain("erin@example.com");
    // resource contents
    assertThat(c.rpc("resources/read", "{\"uri\":\"files://hr/salaries\"}").toString())
        .doesNotContain("198.51.100.4").contains("[IP_ADDRESS_1]");

    // block: nothing goes upstream, the refusal is audited with the data type, never the value
    int before = files.calls().size();
    JsonNode blocked = c.call("files__echo", "{\"text\":\"card 4111 1111 1111 1111\"}");
    assertThat(code(blocked)).isEqualTo(McpError.GUARD_BLOCKED);
    assertThat(blocked.toString()).contains("CREDIT_CARD").doesNotContain("4111");
    assertThat(files.calls()).hasSize(before);
    AuditEvent e = audit("files/echo", "deny").get(0);
    assertThat(e.guardFindings()).isEqualTo("CREDIT_CARD");
    assertThat(e.policyId()).isEqualTo("no-cards");
    assertThat(String.valueOf(e.arguments())).doesNotContain("4111");
  }

  @Test
  void aValueSplitAcrossTwoContentBlocksOfAResultIsFound() throws Exception {
    GovClient c = client("test-key", null);
    JsonNode r = c.call("files__echo", "{\"parts\":[\"host 198.51.\",\"100.4 is down\"]}");
    JsonNode content = r.path("result").path("content");
    assertThat(content.path(0).path("text").asText()).as(r.toString()).isEqualTo("host [IP_ADDRESS_1]");
    assertThat(content.path(1).path("text").asText()).isEqualTo(" is down");
  }

  @Test
  void aResourceUriWithAnEmailAddressReachesTheUpstreamButNotTheAuditTrailRaw() throws Exception {
    GovClient c = client("test-key", null);
    String uri = "files://public/people/bob.smith@example.com";
    JsonNode read = c.rpc("resources/read", "{\"uri\":\"" + uri + "\"}");
    assertThat(read.has("result")).as(read.toString()).isTrue();
    assertThat(files.received.get(files.received.size() - 1).toString()).contains(uri);
    List<AuditEvent> reads = audit(null, null).stream().filter(ev -> "resources/read".equals(ev.action()))
        .filter(ev -> String.valueOf(ev.target()).contains("people")).toList();
    assertThat(reads).isNotEmpty();
    for (AuditEvent ev : reads) {
      assertThat(ev.toString()).doesNotContain("bob.smith@example.com");
      assertThat(ev.target()).startsWith("files/files://public/people/[EMAIL:");
    }
  }

  @Test
  void aToolCallIsAuditedBeforeItGoesUpstreamAndCompletedAfter() throws Exception {
    String marker = "wal-" + UUID.randomUUID();
    files.onCall = params -> {
      if (!params.toString().contains(marker)) {
        return "other";
      }
      // the upstream has the call: its started event must already be committed
      for (AuditEvent ev : gw.gateway().audit().repository().query(new AuditRepository.Filter("mcp", null, null,
          "files/echo", null, null, null, null, null, null, null, null, 200))) {
        if ("started".equals(ev.phase()) && String.valueOf(ev.arguments()).contains(marker)) {
          return "committed " + ev.id();
        }
      }
      return "missing";
    };
    try {
      GovClient c = client("test-key", "researcher");
      assertThat(GovClient.text(c.call("files__echo", "{\"text\":\"" + marker + " mail me@example.com\"}")))
          .startsWith(marker);
    } finally {
      files.onCall = null;
    }
    String seen = files.onCallResults.stream().filter(s -> s.startsWith("committed") || s.equals("missing"))
        .reduce((a, b) -> b).orElse("none");
    assertThat(seen).startsWith("committed");
    String id = seen.substring("committed ".length());
    List<AuditEvent> both = audit("files/echo", null).stream().filter(ev -> ev.id().equals(id)).toList();
    assertThat(both).extracting(AuditEvent::phase).containsExactlyInAnyOrder("started", "completed");
    AuditEvent done = both.stream().filter(ev -> ev.phase().equals("completed")).findFirst().orElseThrow();
    assertThat(done.outcome()).isEqualTo("ok");
    assertThat(done.latencyMs()).isNotNull();
    assertThat(done.persona()).isEqualTo("researcher");
    assertThat(done.keyId()).isEqualTo("config-key-1");
    assertThat(done.decision()).isEqualTo("allow");
    assertThat(done.guardFindings()).isEqualTo("EMAIL");
    assertThat(done.arguments()).contains(marker).contains("[EMAIL_1]").doesNotContain("me@example.com");
    assertThat(done.sessionId()).isNotNull();
  }

  @Test
  void typescriptSdkClientApprovesByElicitation() throws Exception {
    NodeSupport.node();
    String out = NodeSupport.run("client-v1-approval.mjs", gw.baseUrl() + "/mcp", "test-key");
    JsonNode r = GovClient.JSON.readTree(out.trim());
    assertThat(r.has("error")).as(out).isFalse();
    assertThat(r.path("before").asText()).isEqualTo("sent to team: hello");
    assertThat(r.path("accepted").asText()).isEqualTo("sent to team: after");
    assertThat(r.path("asked")).hasSize(2);
    assertThat(r.path("asked").path(0).asText()).contains("mail__send_mail").contains("lethal-trifecta");
    assertThat(r.path("declined").asText()).contains(String.valueOf(McpError.POLICY_DENIED)).contains("decline");
  }
}

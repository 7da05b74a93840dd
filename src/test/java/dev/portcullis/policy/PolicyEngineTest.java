package dev.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.PersonaConfig;
import dev.portcullis.config.PersonaConfig.Grant;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import dev.portcullis.policy.Decision.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CEL rules over each documented attribute, each outcome, the order, hot reload and the session-aware guard. */
class PolicyEngineTest {
  @TempDir
  Path dir;

  static final Principal ALICE = new Principal("user:alice@idp", "user", null, null, "alice", "https://idp",
      List.of("eng"), Map.of("email", "alice@example.com", "department", "r&d", "level", 3), Set.of("mcp", "llm"));
  static final Principal KEY = new Principal("config-key-1", "static_key");
  static final Persona RESEARCHER = new Persona("researcher", new PersonaConfig(null, List.of("gpt-4o*"),
      List.of(new Grant("demo", "get_*", null), new Grant(null, "mail__*", Map.of("readOnlyHint", true))),
      List.of(Grant.of("file:///docs/*")), List.of(), List.of("bob"), List.of("eng"), List.of()));

  PolicyEngine engine(String yaml) throws Exception {
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, yaml);
    return new PolicyEngine(f, new SessionLedger(100));
  }

  static PolicyRequest tool(Principal p, Persona persona, String server, String name, String original,
      Map<String, Object> args, Map<String, Object> ann, String session) {
    return PolicyRequest.mcp(p, persona, "tools/call", "tool", server, name, original, args, ann, session,
        "10.0.0.7");
  }

  Outcome one(String when, PolicyRequest r) throws Exception {
    PolicyEngine e = engine("rules:\n  - name: r\n    when: '" + when.replace("'", "''") + "'\n    effect: deny\n");
    return e.decide(r).outcome();
  }

  @Test
  void everyDocumentedAttributeIsVisibleToRules() throws Exception {
    PolicyRequest call = tool(ALICE, RESEARCHER, "demo", "demo__get_weather", "get_weather",
        Map.of("city", "Paris", "days", 3, "opts", Map.of("units", "metric")), Map.of("readOnlyHint", true), "s1");
    PolicyRequest llm = PolicyRequest.llm(KEY, null, "gpt-4o", "127.0.0.1");
    Map<String, PolicyRequest> hits = new java.util.LinkedHashMap<>();
    hits.put("principal.id == 'user:alice@idp'", call);
    hits.put("principal.kind == 'static_key'", llm);
    hits.put("principal.subject == 'alice' && principal.issuer == 'https://idp'", call);
    hits.put("'eng' in principal.groups", call);
    hits.put("'mcp' in principal.scopes", call);
    hits.put("principal.claims.email.endsWith('@example.com') && principal.claims.level >= 3", call);
    hits.put("persona.name == 'researcher'", call);
    hits.put("persona.name == ''", llm);
    hits.put("surface == 'mcp' && action == 'tools/call' && kind == 'tool'", call);
    hits.put("surface == 'llm' && model.startsWith('gpt-')", llm);
    hits.put("server == 'demo' && name == 'demo__get_weather' && original == 'get_weather'", call);
    hits.put("arguments.city == 'Paris' && arguments.days > 2 && arguments.opts.units == 'metric'", call);
    hits.put("annotations.readOnlyHint == true", call);
    hits.put("session.id == 's1' && size(session.calls) == 0", call);
    hits.put("client_ip.startsWith('10.')", call);
    hits.put("time > timestamp('2020-01-01T00:00:00Z')", call);
    hits.put("time.getDayOfWeek('UTC') >= 0", llm);
    hits.put("!('city' in arguments) || has(arguments.city)", call);
    for (Map.Entry<String, PolicyRequest> h : hits.entrySet()) {
      assertThat(one(h.getKey(), h.getValue())).as(h.getKey()).isEqualTo(Outcome.DENY);
    }
    assertThat(one("arguments.city == 'Rome'", call)).isEqualTo(Outcome.ALLOW);
  }

  @Test
  void strongestEffectWinsAndDefaultApplies() throws Exception {
    PolicyEngine e = engine("""
        default: deny
        rules:
          - name: allow-eng
            when: "'eng' in principal.groups"
            effect: allow
          - name: approve-writes
            when: "has(annotations.destructiveHint) && annotations.destructiveHint == true"
            effect: require_approval
            reason: destructive tools need a human
          - name: deny-prod
            when: "has(arguments.env) && arguments.env == 'prod'"
            effect: deny
            reason: never in prod
        """);
    PolicyRequest read = tool(ALICE, null, "demo", "demo__echo", "echo", Map.of(), Map.of(), null);
    assertThat(e.decide(read).outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(e.decide(read).rule()).isEqualTo("allow-eng");
    Decision approval = e.decide(tool(ALICE, null, "demo", "demo__rm", "rm", Map.of(),
        Map.of("destructiveHint", true), null));
    assertThat(approval.outcome()).isEqualTo(Outcome.REQUIRE_APPROVAL);
    assertThat(approval.reason()).isEqualTo("destructive tools need a human");
    Decision deny = e.decide(tool(ALICE, null, "demo", "demo__rm", "rm", Map.of("env", "prod"),
        Map.of("destructiveHint", true), null));
    assertThat(deny.outcome()).isEqualTo(Outcome.DENY);
    assertThat(deny.rule()).isEqualTo("deny-prod");
    assertThat(e.decide(tool(KEY, null, "demo", "demo__echo", "echo", Map.of(), Map.of(), null)).outcome())
        .isEqualTo(Outcome.DENY); // default deny: no rule allows a key outside eng
  }

  @Test
  void personaGrantsComeFirstAndRulesCannotWidenThem() throws Exception {
    PolicyEngine e = engine("rules:\n  - name: everything\n    when: 'true'\n    effect: allow\n");
    assertThat(e.decide(tool(ALICE, RESEARCHER, "demo", "demo__get_weather", "get_weather", null, null, null))
        .outcome()).isEqualTo(Outcome.ALLOW);
    Decision hidden = e.decide(tool(ALICE, RESEARCHER, "demo", "demo__delete_all", "delete_all", null, null, null));
    assertThat(hidden.outcome()).isEqualTo(Outcome.DENY);
    assertThat(hidden.rule()).isEqualTo("persona:researcher");
    // by another server's prefix: the grant is bound to server "demo", not to a name pattern
    assertThat(e.decide(tool(ALICE, RESEARCHER, "other", "other__get_weather", "get_weather", null, null, null))
        .outcome()).isEqualTo(Outcome.DENY);
    // annotation grants: read-only mail tools only
    assertThat(e.decide(tool(ALICE, RESEARCHER, "mail", "mail__list", "list", null, Map.of("readOnlyHint", true),
        null)).outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(e.decide(tool(ALICE, RESEARCHER, "mail", "mail__send", "send", null, Map.of("readOnlyHint", false),
        null)).outcome()).isEqualTo(Outcome.DENY);
    assertThat(e.decide(tool(ALICE, RESEARCHER, "mail", "mail__send", "send", null, Map.of(), null)).outcome())
        .isEqualTo(Outcome.DENY);
    assertThat(e.decide(PolicyRequest.llm(ALICE, RESEARCHER, "gpt-4o-mini", null)).outcome())
        .isEqualTo(Outcome.ALLOW);
    assertThat(e.decide(PolicyRequest.llm(ALICE, RESEARCHER, "claude-opus", null)).outcome())
        .isEqualTo(Outcome.DENY);
    assertThat(RESEARCHER.admits(ALICE)).isTrue(); // by group
    assertThat(RESEARCHER.admits(KEY)).isFalse();
  }

  @Test
  void sessionAwareRuleGuardsTheLethalTrifecta() throws Exception {
    PolicyEngine e = engine("""
        labels:
          "demo:read_secret": [sensitive]
          "file:///secrets/*": [sensitive]
          "mail__send*": [external_sender]
        rules:
          - name: no-exfiltration
            when: "'sensitive' in session.labels && 'external_sender' in labels"
            effect: require_approval
            reason: this session has read sensitive data
          - name: no-exfiltration-without-session
            when: "'external_sender' in labels && session.id == '' && principal.kind == 'static_key'"
            effect: deny
        """);
    PolicyRequest send = tool(ALICE, null, "mail", "mail__send", "send", Map.of("to", "x@evil.example"), null, "s1");
    assertThat(e.decide(send).outcome()).isEqualTo(Outcome.ALLOW);
    PolicyRequest secret = tool(ALICE, null, "demo", "demo__read_secret", "read_secret", null, null, "s1");
    assertThat(e.decide(secret).outcome()).isEqualTo(Outcome.ALLOW);
    e.record(secret);
    Decision after = e.decide(send);
    assertThat(after.outcome()).isEqualTo(Outcome.REQUIRE_APPROVAL);
    assertThat(after.reason()).contains("sensitive");
    assertThat(e.ledger().calls("s1")).containsExactly("demo__read_secret");
    // another session is unaffected
    assertThat(e.decide(tool(ALICE, null, "mail", "mail__send", "send", null, null, "s2")).outcome())
        .isEqualTo(Outcome.ALLOW);
    // reading a sensitive resource taints the session too
    e.record(PolicyRequest.mcp(ALICE, null, "resources/read", "resource", "files", "file:///secrets/a.txt",
        "file:///secrets/a.txt", null, null, "s3", null));
    assertThat(e.decide(tool(ALICE, null, "mail", "mail__send", "send", null, null, "s3")).outcome())
        .isEqualTo(Outcome.REQUIRE_APPROVAL);
  }

  @Test
  void aBrokenPolicyIsRejectedAndTheOldOneStays() throws Exception {
    PolicyEngine e = engine("rules:\n  - name: no-prod\n    when: \"model == 'prod'\"\n    effect: deny\n");
    PolicyRequest prod = PolicyRequest.llm(KEY, null, "prod", null);
    assertThat(e.decide(prod).outcome()).isEqualTo(Outcome.DENY);
    Path f = dir.resolve("policy.yaml");
    for (String broken : List.of("rules:\n  - name: x\n    when: \"model ==\"\n    effect: deny\n",
        "rules:\n  - name: x\n    when: \"model == 'a'\"\n    effect: maybe\n",
        "rules:\n  - name: x\n    when: \"model + 1\"\n    effect: deny\n", // not a bool: type check
        "rules:\n  - name: x\n    when: \"nosuchvar == 1\"\n    effect: deny\n",
        "rules: [unclosed\n", "surprise: 1\n")) {
      Files.writeString(f, broken);
      Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(broken.length())));
      assertThat(e.reloadIfChanged()).as(broken).isNotNull();
      assertThat(e.decide(prod).outcome()).as(broken).isEqualTo(Outcome.DENY);
    }
    Files.writeString(f, "rules:\n  - name: no-test\n    when: \"model == 'test'\"\n    effect: deny\n");
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(1000)));
    assertThat(e.reloadIfChanged()).isNull();
    assertThat(e.decide(prod).outcome()).isEqualTo(Outcome.ALLOW);
    assertThat(e.decide(PolicyRequest.llm(KEY, null, "test", null)).outcome()).isEqualTo(Outcome.DENY);
    assertThatThrownBy(() -> engine("rules:\n  - name: x\n    when: \"(\"\n    effect: deny\n"))
        .isInstanceOf(PolicyEngine.PolicyException.class);
  }

  @Test
  void aRuleThatFailsAtRuntimeDenies() throws Exception {
    PolicyRequest r = tool(ALICE, null, "demo", "demo__x", "x", Map.of(), null, null);
    // arguments.missing does not exist: evaluation error, fail closed
    PolicyEngine e = engine("rules:\n  - name: r\n    when: \"arguments.missing == 1\"\n    effect: allow\n");
    Decision d = e.decide(r);
    assertThat(d.outcome()).isEqualTo(Outcome.DENY);
    assertThat(d.reason()).contains("could not be evaluated");
  }

  @Test
  void aKeyTwiceInARuleIsRefusedAndOnReloadTheOldRulesStay() throws Exception {
    String twice = "rules:\n  - name: r\n    when: 'true'\n    effect: deny\n    when: 'false'\n";
    assertThatThrownBy(() -> engine(twice)).isInstanceOf(PolicyEngine.PolicyException.class)
        .hasMessageContaining("Duplicate field 'when'");

    PolicyEngine e = engine("rules:\n  - name: r\n    when: 'true'\n    effect: deny\n");
    Path f = dir.resolve("policy.yaml");
    Files.writeString(f, twice);
    Files.setLastModifiedTime(f, FileTime.from(Instant.now().plusSeconds(5)));
    assertThat(e.reloadIfChanged()).contains("Duplicate field 'when'");
    assertThat(e.decide(PolicyRequest.llm(KEY, null, "gpt-4o", "127.0.0.1")).outcome()).isEqualTo(Outcome.DENY);
  }
}

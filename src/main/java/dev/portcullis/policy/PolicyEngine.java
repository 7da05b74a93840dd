package dev.portcullis.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.google.protobuf.Timestamp;
import dev.cel.common.types.ListType;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.portcullis.config.BindingErrors;
import dev.portcullis.config.StrictYaml;
import dev.portcullis.identity.Globs;
import dev.portcullis.identity.Persona;
import dev.portcullis.identity.Principal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides requests of both surfaces, in a fixed order (docs/identity.md):
 *
 * <ol>
 *   <li>persona grants: with a persona, an item or model it does not grant is denied (and hidden
 *       from lists);
 *   <li>CEL rules, every rule whose {@code when} holds contributes its effect; the strongest wins:
 *       deny, then require_approval, then allow; a rule that fails to evaluate counts as deny;
 *   <li>with no matching rule, the file's {@code default} (allow unless set to deny).
 * </ol>
 *
 * <p>Rules come from a YAML policy file, re-read when it changes; a file that does not parse or
 * whose expressions do not compile is rejected and the rules in force stay. Knows nothing about
 * HTTP.
 */
public final class PolicyEngine {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyEngine.class);
  private static final ObjectMapper YAML = StrictYaml.mapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  /**
   * The CEL compiler and runtime, built when the first rule is compiled: building them loads
   * protobuf and CEL (a third of a second of start-up), which a gateway without a policy file
   * never needs.
   */
  private static final class Cel {
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
        .setStandardMacros(dev.cel.parser.CelStandardMacro.STANDARD_MACROS)
        .addVar("principal", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("persona", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("surface", SimpleType.STRING)
        .addVar("action", SimpleType.STRING)
        .addVar("kind", SimpleType.STRING)
        .addVar("model", SimpleType.STRING)
        .addVar("server", SimpleType.STRING)
        .addVar("name", SimpleType.STRING)
        .addVar("original", SimpleType.STRING)
        .addVar("arguments", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("annotations", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("labels", ListType.create(SimpleType.STRING))
        .addVar("session", MapType.create(SimpleType.STRING, SimpleType.DYN))
        .addVar("client_ip", SimpleType.STRING)
        .addVar("time", SimpleType.TIMESTAMP)
        .setResultType(SimpleType.BOOL)
        .build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

    private Cel() {}
  }

  /** The policy file as written. */
  public record PolicyFile(Map<String, List<String>> labels, List<RuleSpec> rules,
      @com.fasterxml.jackson.annotation.JsonProperty("default") String defaultEffect) {
    public PolicyFile {
      labels = labels == null ? Map.of() : new LinkedHashMap<>(labels);
      rules = rules == null ? List.of() : List.copyOf(rules);
      defaultEffect = defaultEffect == null ? "allow" : defaultEffect;
    }
  }

  /** One rule: when the CEL expression {@code when} holds, {@code effect} applies. */
  public record RuleSpec(String name, String when, String effect, String reason) {}

  private record Rule(String name, CelRuntime.Program program, Decision.Outcome effect, String reason) {}

  private record Rules(List<Rule> rules, Map<String, List<String>> labels, Decision.Outcome fallback,
      PolicyFile source) {}

  private final Path file;
  private final SessionLedger ledger;
  private volatile Rules rules;
  private volatile long loadedStamp = Long.MIN_VALUE;

  /** An engine with no rules (everything the grants allow is allowed). */
  public PolicyEngine(SessionLedger ledger) {
    this.file = null;
    this.ledger = ledger;
    this.rules = new Rules(List.of(), Map.of(), Decision.Outcome.ALLOW, new PolicyFile(null, null, null));
  }

  /** An engine reading {@code file}; fails when the file is missing or broken. */
  public PolicyEngine(Path file, SessionLedger ledger) throws PolicyException {
    this.file = file;
    this.ledger = ledger;
    this.rules = compile(read(file), file.toString());
    this.loadedStamp = stamp(file);
  }

  public SessionLedger ledger() {
    return ledger;
  }

  /**
   * Whether any rule or a deny default is in force: without, a request acting through no persona
   * is always allowed, and callers may skip the decision altogether.
   */
  public boolean hasRules() {
    Rules r = rules;
    return !r.rules().isEmpty() || r.fallback() != Decision.Outcome.ALLOW;
  }

  /** The rules in force as their file was read (after a rejected reload: the previous ones). */
  public PolicyFile inForce() {
    return rules.source();
  }

  /** Thrown for a broken policy file; lists every problem. */
  public static final class PolicyException extends Exception {
    private static final long serialVersionUID = 1L;

    public PolicyException(String message) {
      super(message);
    }
  }

  private static PolicyFile read(Path file) throws PolicyException {
    JsonNode tree;
    try {
      tree = YAML.readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new PolicyException(file + ": file not found");
    } catch (JsonProcessingException e) {
      throw new PolicyException(file + ": not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
    } catch (IOException e) {
      throw new PolicyException(file + ": cannot read: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      throw new PolicyException(file + ": the policy file is empty");
    }
    try {
      return YAML.treeToValue(tree, PolicyFile.class);
    } catch (JsonMappingException e) {
      throw new PolicyException(file + ": " + BindingErrors.describe(e, tree));
    } catch (JsonProcessingException e) {
      throw new PolicyException(file + ": " + e.getOriginalMessage());
    }
  }

  /** Reads and compiles a policy file without running it ({@code config check}); throws with every problem. */
  public static void checkFile(Path file) throws PolicyException {
    compile(read(file), file.toString());
  }

  /** Compiles a policy (also used by tests and `config check`); throws with every problem found. */
  public static void check(PolicyFile f, String source) throws PolicyException {
    compile(f, source);
  }

  private static Rules compile(PolicyFile f, String source) throws PolicyException {
    List<String> problems = new ArrayList<>();
    List<Rule> out = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < f.rules().size(); i++) {
      RuleSpec r = f.rules().get(i);
      String where = "rules[" + i + "]" + (r.name() == null ? "" : " (" + r.name() + ")");
      if (r.name() == null || r.name().isBlank()) {
        problems.add(where + ": name is required");
      } else if (!names.add(r.name())) {
        problems.add(where + ": duplicate rule name");
      }
      Decision.Outcome effect = effect(r.effect());
      if (effect == null) {
        problems.add(where + ": effect must be allow, deny or require_approval, got '" + r.effect() + "'");
      }
      if (r.when() == null || r.when().isBlank()) {
        problems.add(where + ": when (a CEL expression) is required");
        continue;
      }
      try {
        var ast = Cel.COMPILER.compile(r.when()).getAst();
        out.add(new Rule(r.name(), Cel.RUNTIME.createProgram(ast), effect, r.reason()));
      } catch (Exception e) {
        problems.add(where + ": " + e.getMessage());
      }
    }
    Decision.Outcome fallback = effect(f.defaultEffect());
    if (fallback == null || fallback == Decision.Outcome.REQUIRE_APPROVAL) {
      problems.add("default: must be allow or deny");
    }
    if (!problems.isEmpty()) {
      throw new PolicyException(source + ": " + String.join("; ", problems));
    }
    return new Rules(List.copyOf(out), Map.copyOf(f.labels()), fallback, f);
  }

  private static Decision.Outcome effect(String s) {
    if (s == null) {
      return null;
    }
    return switch (s) {
      case "allow" -> Decision.Outcome.ALLOW;
      case "deny" -> Decision.Outcome.DENY;
      case "require_approval" -> Decision.Outcome.REQUIRE_APPROVAL;
      default -> null;
    };
  }

  private static long stamp(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis() * 31 + Files.size(file);
    } catch (IOException e) {
      return Long.MIN_VALUE;
    }
  }

  /**
   * Re-reads the file if it changed. Returns null when nothing changed or the new rules are in
   * force, else the reason the new file was rejected (the old rules stay). Blocking.
   */
  public String reloadIfChanged() {
    if (file == null) {
      return null;
    }
    long s = stamp(file);
    if (s == loadedStamp) {
      return null;
    }
    loadedStamp = s;
    try {
      rules = compile(read(file), file.toString());
      LOG.info("policy reloaded from {}", file);
      return null;
    } catch (PolicyException e) {
      LOG.warn("policy file rejected, the previous rules stay in force: {}", e.getMessage());
      return e.getMessage();
    }
  }

  /** The labels of an item: globs over its exposed name, or over {@code server:original}. */
  public List<String> labels(String server, String name, String original) {
    Set<String> out = new LinkedHashSet<>();
    for (Map.Entry<String, List<String>> e : rules.labels().entrySet()) {
      if (Globs.matches(e.getKey(), name) || !server.isEmpty() && Globs.matches(e.getKey(), server + ":" + original)) {
        out.addAll(e.getValue());
      }
    }
    return List.copyOf(out);
  }

  /** Persona grants only (for list filtering): whether the item or model is granted. */
  public static boolean granted(PolicyRequest r) {
    Persona p = r.persona();
    if (p == null) {
      return true;
    }
    if ("llm".equals(r.surface())) {
      return p.allowsModel(r.model());
    }
    return p.allowsItem(r.kind(), r.server(), r.original(), r.name(), r.annotations());
  }

  /** Decides a request (grants, then rules, then the default). */
  public Decision decide(PolicyRequest r) {
    if (!granted(r)) {
      String what = "llm".equals(r.surface()) ? "model '" + r.model() + "'" : r.kind() + " '" + r.name() + "'";
      return Decision.deny("persona:" + r.persona().name(), "the persona '" + r.persona().name()
          + "' is not granted the " + what);
    }
    Rules current = rules;
    if (current.rules().isEmpty()) {
      return current.fallback() == Decision.Outcome.ALLOW ? Decision.ALLOW
          : Decision.deny("default", "no policy rule allows this request");
    }
    List<String> labels = labels(r.server(), r.name(), r.original());
    Map<String, Object> vars = variables(r, labels);
    Decision approval = null;
    Decision allow = null;
    for (Rule rule : current.rules()) {
      boolean hit;
      try {
        hit = Boolean.TRUE.equals(rule.program().eval(vars));
      } catch (Exception e) {
        LOG.warn("policy rule {} failed to evaluate, denying: {}", rule.name(), e.getMessage());
        return Decision.deny(rule.name(), "the policy rule '" + rule.name() + "' could not be evaluated");
      }
      if (!hit) {
        continue;
      }
      String reason = rule.reason() != null ? rule.reason() : "policy rule '" + rule.name() + "'";
      switch (rule.effect()) {
        case DENY -> {
          return Decision.deny(rule.name(), reason);
        }
        case REQUIRE_APPROVAL -> approval = approval == null
            ? new Decision(Decision.Outcome.REQUIRE_APPROVAL, rule.name(), reason) : approval;
        case ALLOW -> allow = allow == null ? new Decision(Decision.Outcome.ALLOW, rule.name(), reason) : allow;
      }
    }
    if (approval != null) {
      return approval;
    }
    if (allow != null) {
      return allow;
    }
    return current.fallback() == Decision.Outcome.ALLOW ? Decision.ALLOW
        : Decision.deny("default", "no policy rule allows this request");
  }

  /** Records an allowed MCP action in the session's history (for session-aware rules). */
  public void record(PolicyRequest r) {
    if (r.sessionId() != null && "mcp".equals(r.surface())) {
      ledger.record(r.sessionId(), r.name(), labels(r.server(), r.name(), r.original()),
          "tools/call".equals(r.action()));
    }
  }

  private Map<String, Object> variables(PolicyRequest r, List<String> labels) {
    Map<String, Object> v = new HashMap<>();
    v.put("principal", principal(r.principal()));
    Map<String, Object> persona = new HashMap<>();
    persona.put("name", r.persona() == null ? "" : r.persona().name());
    v.put("persona", persona);
    v.put("surface", r.surface());
    v.put("action", r.action());
    v.put("kind", r.kind());
    v.put("model", r.model());
    v.put("server", r.server());
    v.put("name", r.name());
    v.put("original", r.original());
    v.put("arguments", celValue(r.arguments()));
    v.put("annotations", celValue(r.annotations()));
    v.put("labels", labels);
    Map<String, Object> session = new HashMap<>();
    session.put("id", r.sessionId() == null ? "" : r.sessionId());
    session.put("labels", ledger.labels(r.sessionId()));
    session.put("calls", ledger.calls(r.sessionId()));
    v.put("session", session);
    v.put("client_ip", r.clientIp());
    v.put("time", Timestamp.newBuilder().setSeconds(r.time().getEpochSecond()).setNanos(r.time().getNano()).build());
    return v;
  }

  private static Map<String, Object> principal(Principal p) {
    Map<String, Object> m = new HashMap<>();
    m.put("id", p == null ? "" : p.id());
    m.put("kind", p == null ? "" : p.kind());
    m.put("subject", p == null || p.subject() == null ? "" : p.subject());
    m.put("issuer", p == null || p.issuer() == null ? "" : p.issuer());
    m.put("groups", p == null ? List.of() : p.groups());
    m.put("scopes", p == null || p.scopes() == null ? List.of() : List.copyOf(p.scopes()));
    m.put("claims", p == null ? Map.of() : celValue(p.claims()));
    m.put("key_id", p == null || p.key() == null ? "" : p.key().id());
    m.put("team_id", p == null || p.team() == null ? "" : p.team().id());
    return m;
  }

  /** Java values as CEL sees them: integers as long, nulls dropped, nested maps and lists converted. */
  @SuppressWarnings("unchecked")
  static <T> T celValue(Object o) {
    if (o instanceof Map<?, ?> m) {
      Map<String, Object> out = new HashMap<>();
      m.forEach((k, v) -> {
        Object c = celValue(v);
        if (c != null) {
          out.put(String.valueOf(k), c);
        }
      });
      return (T) out;
    }
    if (o instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object x : l) {
        Object c = celValue(x);
        if (c != null) {
          out.add(c);
        }
      }
      return (T) out;
    }
    if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
      return (T) Long.valueOf(((Number) o).longValue());
    }
    if (o instanceof Float f) {
      return (T) Double.valueOf(f);
    }
    if (o instanceof java.math.BigDecimal d) {
      return (T) Double.valueOf(d.doubleValue());
    }
    if (o instanceof java.math.BigInteger b) {
      return (T) Long.valueOf(b.longValue());
    }
    return (T) o;
  }
}

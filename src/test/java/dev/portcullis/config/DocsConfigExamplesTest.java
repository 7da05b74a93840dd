package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portcullis.policy.PolicyEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every YAML example in README.md and docs/*.md loads as what it says it is, as a user pasting it
 * would find. Convention: a ```yaml block whose first key is a top-level gateway setting
 * ({@code models:}, {@code mcp:}, {@code audit:}...) is a gateway config or a fragment of one; a
 * block that starts with {@code # policy.yaml} is a policy file. Fragments are completed with a
 * demo model group and a client key when they lack them (as if pasted into examples/demo.yaml). {@code ${VAR}} references are given a dummy
 * value (the docs say which variables to set); files a block names with {@code file:} are created
 * next to it, as the reader is expected to provide them.
 */
class DocsConfigExamplesTest {
  private static final Pattern BLOCK = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern FILE_REF = Pattern.compile("file:([A-Za-z0-9_./-]+)");
  private static final Pattern REQUIRED_VAR = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");
  private static final Set<String> GATEWAY_KEYS = Set.of("server", "clients", "router", "models", "store", "admin",
      "pricing", "mcp", "identity", "personas", "policy", "guard", "audit", "telemetry", "metrics", "cluster");
  private static final String DUMMY = "dummy-value-from-the-environment-0123456789";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir
  Path dir;

  record Example(String where, String yaml) {}

  @Test
  void everyGatewayConfigExampleInTheDocsLoads() throws Exception {
    List<Example> configs = new ArrayList<>();
    List<Example> policies = new ArrayList<>();
    for (Example e : examples()) {
      String first = e.yaml().lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
      if (first.startsWith("# policy.yaml")) {
        policies.add(e);
      } else if (!first.startsWith("#") && GATEWAY_KEYS.contains(first.split(":", 2)[0])) {
        configs.add(e);
      }
    }
    assertThat(configs).as("gateway config examples found").hasSizeGreaterThan(10);
    assertThat(policies).as("policy file examples found").isNotEmpty();

    // a policy file the examples may name (policy: { file: policy.yaml })
    Files.writeString(dir.resolve("policy.yaml"), policies.get(0).yaml());
    List<String> failures = new ArrayList<>();
    for (Example p : policies) {
      Path f = dir.resolve("checked-policy.yaml");
      Files.writeString(f, p.yaml());
      try {
        PolicyEngine.checkFile(f);
      } catch (PolicyEngine.PolicyException ex) {
        failures.add(p.where() + ": " + ex.getMessage());
      }
    }
    int n = 0;
    for (Example e : configs) {
      Path f = dir.resolve("example-" + n++ + ".yaml");
      try {
        Files.writeString(f, completed(e.yaml()));
      } catch (java.io.IOException ex) {
        failures.add(e.where() + ": not valid YAML: " + ex.getMessage().lines().findFirst().orElse(""));
        continue;
      }
      Matcher refs = FILE_REF.matcher(e.yaml());
      while (refs.find()) {
        if (refs.group(1).startsWith("/")) {
          continue; // absolute: the reader's own file, not this test's to create
        }
        Path ref = dir.resolve(refs.group(1));
        Files.createDirectories(ref.getParent());
        if (!Files.exists(ref)) {
          Files.writeString(ref, DUMMY + "\n");
        }
      }
      try {
        // variables the block requires get a dummy value of their own; those with a default use it
        Set<String> required = new java.util.HashSet<>();
        Matcher vars = REQUIRED_VAR.matcher(e.yaml());
        while (vars.find()) {
          required.add(vars.group(1));
        }
        new ConfigLoader(new EnvInterpolator(name -> required.contains(name) ? DUMMY + "-" + name : null)).load(f);
      } catch (ConfigException ex) {
        failures.add(e.where() + ":\n" + e.yaml() + "\n" + ex.getMessage());
      }
    }
    assertThat(failures).isEmpty();
  }

  /** A fragment with a model group and a client key added where it has none. */
  private static String completed(String yaml) throws java.io.IOException {
    JsonNode tree = YAML.readTree(yaml);
    ObjectNode root = (ObjectNode) tree;
    // pasted into the demo config, whose model group "demo" examples may fall back to
    if (!root.has("models")) {
      root.set("models", YAML.createObjectNode());
    }
    if (!root.path("models").has("demo")) {
      ((ObjectNode) root.get("models")).set("demo", YAML.readTree("deployments: [ { type: demo } ]"));
    }
    if (!root.has("clients") && !root.has("store") && !root.has("identity")) {
      root.set("clients", YAML.readTree("keys: [docs-example-key]"));
    }
    if (root.has("audit") && !root.has("store")) { // the audit trail lives in the store
      root.set("store", YAML.readTree("url: jdbc:sqlite:data/docs.db"));
    }
    return YAML.writeValueAsString(root);
  }

  private static List<Example> examples() throws Exception {
    List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
    try (Stream<Path> docs = Files.list(Path.of("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Example> out = new ArrayList<>();
    for (Path f : files) {
      String text = Files.readString(f);
      Matcher m = BLOCK.matcher(text);
      while (m.find()) {
        int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
        out.add(new Example(f + ":" + line, m.group(1)));
      }
    }
    return out;
  }
}

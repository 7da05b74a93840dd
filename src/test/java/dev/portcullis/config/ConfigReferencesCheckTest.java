package dev.portcullis.config;

import static dev.portcullis.config.ConfigCheckTest.assertInvalid;
import static dev.portcullis.config.ConfigCheckTest.check;
import static dev.portcullis.config.ConfigCheckTest.cli;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.Cli.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code config check} meets what {@code serve} meets at start: the policy file, the files the
 * config names, stdio commands, OpenAPI base URLs the SSRF guard refuses; type errors in words;
 * and {@code serve} refuses the same configs with the same message, exit 2, no stack trace.
 */
class ConfigReferencesCheckTest {
  private static final String DEMO_MODEL = """
      clients: { keys: [k] }
      models:
        demo: { deployments: [ { type: demo } ] }
      """;

  @TempDir
  Path dir;

  Path write(String name, String yaml) throws Exception {
    Path f = dir.resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void aPolicyFileTypoFailsTheCheckAndServeAlike() throws Exception {
    write("policy.yaml", """
        rules:
          - name: no-delete
            when: "name.startsWith('delete')"
            efect: deny
        """);
    Path f = write("gw.yaml", DEMO_MODEL + "policy: { file: policy.yaml }\n");
    String err = assertInvalid(f, "policy.file", "rules[0].efect", "unknown field", "effect");
    assertThat(err).doesNotContain("dev.portcullis", "Exception", "class ");

    Run serve = cli("serve", "--config", f.toString(), "--port", "0");
    assertThat(serve.exit()).isEqualTo(2);
    assertThat(serve.err()).isEqualTo(err).doesNotContain("\tat ");
  }

  @Test
  void aPolicyRuleThatDoesNotCompileIsReported() throws Exception {
    write("policy.yaml", """
        rules:
          - { name: bad, when: "name.startsWith(", effect: deny }
          - { name: typed, when: "nope == 1", effect: maybe }
        """);
    Path f = write("gw.yaml", DEMO_MODEL + "policy: { file: policy.yaml }\n");
    assertInvalid(f, "policy.file", "rules[0] (bad)", "rules[1] (typed)", "nope",
        "effect must be allow, deny or require_approval, got 'maybe'");
  }

  @Test
  void stdioCommandsThatCannotRunAreWarnedAboutAndAMissingCwdRefused() throws Exception {
    Path script = write("tools/not-executable.sh", "#!/bin/sh\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-------"));
    // a server that cannot start fails only its own calls (-32010), as one that crashed would:
    // the gateway still serves everything else, so these are warnings
    Path f = write("gw.yaml", DEMO_MODEL + """
        mcp:
          servers:
            a: { type: stdio, command: surely-no-such-command-on-path }
            b: { type: stdio, command: ./tools/not-executable.sh }
            c: { type: stdio, command: ./tools/absent.sh }
            ok: { type: stdio, command: java }
        """);
    Run r = check(f);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("warning",
        "mcp.servers.a.command: 'surely-no-such-command-on-path' is not an executable on PATH",
        "mcp.servers.b.command: not executable: " + dir.resolve("tools/not-executable.sh"),
        "mcp.servers.c.command: no such file: " + dir.resolve("tools/absent.sh"));
    assertThat(r.err()).doesNotContain("mcp.servers.ok");
    Path g = write("gw2.yaml", DEMO_MODEL + """
        mcp:
          servers:
            d: { type: stdio, command: java, cwd: no-such-dir }
        """);
    assertInvalid(g, "mcp.servers.d.cwd: no such directory: " + dir.resolve("no-such-dir"));
  }

  @Test
  void openApiBaseUrlsTheSsrfGuardRefusesAreWarnedAboutAndMissingSpecsRefused() throws Exception {
    Files.copy(Path.of("src/test/resources/openapi/edge-api.yaml"), dir.resolve("edge.yaml"));
    Path f = write("gw.yaml", DEMO_MODEL + """
        mcp:
          servers:
            loop: { type: openapi, spec: edge.yaml, base_url: "http://127.0.0.1:8000/api" }
            meta: { type: openapi, spec: edge.yaml, base_url: "http://169.254.169.254/latest" }
            local: { type: openapi, spec: edge.yaml, base_url: "http://localhost:9000" }
            v6: { type: openapi, spec: edge.yaml, base_url: "http://[::1]:9000" }
            allowed: { type: openapi, spec: edge.yaml, base_url: "http://127.0.0.1:8000", allow_private_addresses: true }
            public: { type: openapi, spec: edge.yaml, base_url: "https://203.0.113.0.example.com/api" }
        """);
    Run r = check(f);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("warning", "mcp.servers.loop.base_url: '127.0.0.1' is a loopback address",
        "mcp.servers.meta.base_url: '169.254.169.254' is a link-local address",
        "mcp.servers.local.base_url: 'localhost' is a loopback address", "mcp.servers.v6.base_url",
        "allow_private_addresses").doesNotContain("mcp.servers.allowed", "mcp.servers.public");

    Path g = write("nospec.yaml", DEMO_MODEL + """
        mcp:
          servers:
            nospec: { type: openapi, spec: specs/absent.json, base_url: "https://api.example.com" }
        """);
    assertInvalid(g, "mcp.servers.nospec.spec: file not found: " + dir.resolve("specs/absent.json"));
  }

  @Test
  void referencedSecretAndKeyFilesMustExistAndWrittenFilesNeedADirectory() throws Exception {
    write("not-a-dir", "a file where the store's directory should be\n");
    Path f = write("gw.yaml", DEMO_MODEL + """
        store: { url: "jdbc:sqlite:not-a-dir/sub/gw.db" }
        audit:
          chain_key: file:keys/created-on-first-start.key
          previous_chain_keys: [file:keys/old-chain.key]
          checkpoints: { previous_public_keys: [file:keys/old.pub.jwk] }
          file: { path: logs }
        mcp:
          servers:
            r: { type: http, url: "https://mcp.example.com/mcp", auth: { type: static, value: file:secrets/token } }
        """);
    Files.createDirectories(dir.resolve("logs"));
    String err = assertInvalid(f, "store.url: cannot create " + dir.resolve("not-a-dir/sub/gw.db"),
        dir.resolve("not-a-dir") + " is not a directory",
        "audit.file.path: " + dir.resolve("logs") + " is a directory, not a file",
        "audit.previous_chain_keys[0]: file not found: " + dir.resolve("keys/old-chain.key"),
        "audit.checkpoints.previous_public_keys[0]: file not found",
        "mcp.servers.r.auth.value: file not found: " + dir.resolve("secrets/token"));
    assertThat(err).doesNotContain("created-on-first-start");
  }

  @Test
  void wrongTypesAreSaidInWordsWithoutEchoingWhatMayBeASecret() throws Exception {
    Path f = write("types.yaml", """
        router: { max_attempts: many }
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    String err = assertInvalid(f, "router.max_attempts: expected a whole number, got \"many\"");
    assertThat(err).doesNotContain("Cannot deserialize", "`int`", "java.");

    Path g = write("list.yaml", """
        clients: { keys: sk-live-secret-value }
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    assertThat(assertInvalid(g, "clients.keys: expected a list, got a text value")).doesNotContain("sk-live");

    Path h = write("bool.yaml", """
        server: { access_log: sometimes }
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    assertInvalid(h, "server.access_log: expected true or false, got \"sometimes\"");

    Path m = write("mapping.yaml", """
        store: jdbc:sqlite:x.db
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    assertInvalid(m, "store: expected a mapping");
  }

  @Test
  void aConfigNobodyCanUseIsValidButWarnedAbout() throws Exception {
    Path f = write("nobody.yaml", """
        models:
          demo: { deployments: [ { type: demo } ] }
        """);
    Run r = check(f);
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("warning", f.toString(), "no client can authenticate", "401");

    Run ok = check(write("keys.yaml", DEMO_MODEL));
    assertThat(ok.exit()).isZero();
    assertThat(ok.err()).isEmpty();
  }
}

package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.Main;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.mcp.NodeSupport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code portcullis mcp import-openapi}: the tool list and a config block that loads as printed. */
class ImportOpenApiCommandTest {
  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsToolsAndAConfigBlockThatLoads() throws Exception {
    Run r = run("mcp", "import-openapi", NodeSupport.oasExample("2.0/json/petstore.json"), "--name", "pets");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("# Swagger Petstore (OpenAPI 3.0.1): 20 tools")
        .containsPattern("pets__getPetById +GET +/pet/\\{petId\\} +read-only +Find pet by ID")
        .containsPattern("pets__deletePet +DELETE +/pet/\\{petId\\} +destructive")
        // PUT replaces what is there (MCP: destructiveHint = may do more than add); POST only adds
        .containsPattern("pets__updatePet +PUT +/pet +destructive")
        .containsPattern("pets__addPet +POST +/pet +writes")
        .contains("      type: openapi", "      base_url: \"http://petstore.swagger.io/v2\"");
    String yaml = r.out().substring(r.out().indexOf("mcp:"));
    Path file = Files.createTempFile("import", ".yaml");
    try {
      Files.writeString(file, yaml);
      GatewayConfig cfg = new ConfigLoader().load(file);
      assertThat(cfg.mcp().servers().get("pets")).isInstanceOf(dev.portcullis.config.McpServerConfig.OpenApi.class);
      var s = (dev.portcullis.config.McpServerConfig.OpenApi) cfg.mcp().servers().get("pets");
      assertThat(s.baseUrl()).isEqualTo("http://petstore.swagger.io/v2");
      assertThat(Path.of(s.spec())).isAbsolute().exists();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void jsonListsTheToolsAndCarriesTheSameConfigBlock() throws Exception {
    String spec = NodeSupport.oasExample("2.0/json/petstore.json");
    Run r = run("mcp", "import-openapi", spec, "--name", "pets", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    com.fasterxml.jackson.databind.JsonNode o = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
    assertThat(o.path("tools")).hasSize(20);
    com.fasterxml.jackson.databind.JsonNode put = null;
    for (com.fasterxml.jackson.databind.JsonNode t : o.path("tools")) {
      if (t.path("name").asText().equals("pets__updatePet")) {
        put = t;
      }
    }
    assertThat(put).isNotNull();
    assertThat(put.path("method").asText()).isEqualTo("PUT");
    assertThat(put.path("hint").asText()).isEqualTo("destructive");
    assertThat(put.at("/annotations/idempotentHint").asBoolean()).isTrue();
    String text = run("mcp", "import-openapi", spec, "--name", "pets").out();
    assertThat(text).endsWith(o.path("config").asText());
  }

  @Test
  void baseUrlOptionAndErrors() {
    Run r = run("mcp", "import-openapi", NodeSupport.oasExample("3.0/json/petstore.json"), "--name", "p",
        "--base-url", "https://pets.internal.example/v3");
    assertThat(r.out()).contains("# Swagger Petstore (OpenAPI 3.0.0): 20 tools").contains("base_url: \"https://pets.internal.example/v3\"");
    Run missing = run("mcp", "import-openapi", "nope.yaml", "--name", "x");
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("file not found");
    Run ssrf = run("mcp", "import-openapi", "http://169.254.169.254/openapi.json", "--name", "x");
    assertThat(ssrf.code()).isEqualTo(1);
    assertThat(ssrf.err()).contains("link-local");
  }

  @Test
  void refsToLocalFilesOutsideTheDescriptionOrToInternalAddressesAreRefused() throws Exception {
    Path dir = Files.createTempDirectory("import-refs");
    String spec = """
        {"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {"/t": {"get": {"operationId": "t",
          "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "%s"}}}}}}}}}
        """;
    Files.writeString(dir.resolve("passwd.json"), spec.formatted("file:///etc/passwd#/x"));
    Files.writeString(dir.resolve("metadata.json"), spec.formatted("http://169.254.169.254/latest/x.json#/x"));
    Run passwd = run("mcp", "import-openapi", dir.resolve("passwd.json").toString(), "--name", "x");
    assertThat(passwd.code()).isEqualTo(1);
    assertThat(passwd.err()).contains("reference to file:///etc/passwd").contains("only in its own directory")
        .doesNotContain("root:");
    Run metadata = run("mcp", "import-openapi", dir.resolve("metadata.json").toString(), "--name", "x");
    assertThat(metadata.code()).isEqualTo(1);
    assertThat(metadata.err()).contains("refused to fetch http://169.254.169.254/latest/x.json")
        .contains("link-local");
  }

  @Test
  void configValidationNamesEachProblem() throws Exception {
    Path file = Files.createTempFile("bad", ".yaml");
    try {
      Files.writeString(file, """
          mcp:
            servers:
              crm:
                type: openapi
                base_url: ftp://crm.example
                allow_private_addresses: [not-a-cidr]
                auth: { type: oauth_client_credentials, client_id: x }
                include: { methods: [FETCH] }
                tools: { listCustomers: { name: "bad name!" } }
          """);
      assertThatThrownBy(() -> new ConfigLoader().load(file)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("mcp.servers.crm.spec: required")
          .hasMessageContaining("mcp.servers.crm.base_url: must be an absolute http(s) URL")
          .hasMessageContaining("mcp.servers.crm.allow_private_addresses: 'not-a-cidr'")
          .hasMessageContaining("mcp.servers.crm.auth.client_secret: required")
          .hasMessageContaining("mcp.servers.crm.auth.token_url: required")
          .hasMessageContaining("mcp.servers.crm.include.methods: unknown HTTP method 'FETCH'")
          .hasMessageContaining("mcp.servers.crm.tools.listCustomers.name");
      // spec is a field of openapi servers only
      Files.writeString(file, """
          mcp:
            servers:
              other:
                type: builtin
                spec: x.yaml
          """);
      assertThatThrownBy(() -> new ConfigLoader().load(file)).isInstanceOf(ConfigException.class)
          .hasMessageContaining("mcp.servers.other.spec: unknown field (expected one of [")
          .hasMessageContaining("]) for type builtin");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}

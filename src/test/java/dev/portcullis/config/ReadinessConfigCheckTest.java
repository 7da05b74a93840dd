package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code portcullis config check} on the readiness policy: every name it requires must exist. */
class ReadinessConfigCheckTest {
  @TempDir
  Path dir;

  static final String UPSTREAMS = """
      models:
        gpt-4o:
          deployments:
            - { name: openai-main, type: demo }
            - { type: demo }
      mcp:
        servers:
          files: { type: builtin }
      """;

  @Test
  void namesThatExistAreAccepted() throws Exception {
    Path f = dir.resolve("ok.yaml");
    Files.writeString(f, UPSTREAMS + """
        readiness:
          require_upstreams: [openai-main, gpt-4o/gpt-4o-2, "mcp:files"]
          require_models: [gpt-4o]
        """);
    dev.portcullis.testing.Cli.Run r = ConfigCheckTest.check(f);
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void unknownNamesAreRefusedWithTheField() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, UPSTREAMS + """
        readiness:
          require_upstreams: [openai-mian, "mcp:fils"]
          require_models: [gpt-5]
        """);
    ConfigCheckTest.assertInvalid(f, "readiness.require_upstreams[0]", "no deployment named 'openai-mian'",
        "readiness.require_upstreams[1]", "no MCP server named 'fils'", "readiness.require_models[0]",
        "no model named 'gpt-5'");
  }
}

package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis config check} on per-user and per-tool limits and tool prices: what is
 * valid loads; every nonsense value is named by its field with the reason, never ignored (an
 * ignored limit or price would leave a tool unlimited or free).
 */
class LimitsConfigCheckTest {
  @TempDir
  Path dir;

  static final String SERVERS = """
      mcp:
        servers:
          crm: { type: builtin, cost_usd: 0.01, tool_cost_usd: { "delete_*": 0.5 } }
      """;

  @Test
  void limitsAndPricesThatMakeSenseAreAccepted() throws Exception {
    Path f = dir.resolve("ok.yaml");
    Files.writeString(f, SERVERS + """
        limits:
          users: { rpm: 60, max_parallel: 4 }
          tools:
            - { match: "crm__delete*", rpm: 10 }
            - { match: "crm__*", method: tools/call, max_parallel: 2 }
            - { match: "file:///*", method: resources/read, rpm: 100 }
        """);
    dev.portcullis.testing.Cli.Run r = ConfigCheckTest.check(f);
    assertThat(r.exit()).as(r.err()).isZero();
  }

  @Test
  void nonsenseIsRefusedWithTheField() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, """
        mcp:
          servers:
            crm: { type: builtin, cost_usd: -1, tool_cost_usd: { "delete_*": 2000000 } }
        limits:
          users: { rpm: 0 }
          tools:
            - { match: "", rpm: 10 }
            - { match: "crm__*", method: tools/list, rpm: 5 }
            - { match: "crm__*" }
        """);
    ConfigCheckTest.assertInvalid(f,
        "mcp.servers.crm.cost_usd: must be between 0 and 1000000 (US dollars per call), got -1.0",
        "mcp.servers.crm.tool_cost_usd.delete_*: must be between 0 and 1000000 (US dollars per call), got 2000000.0",
        "limits.users.rpm: must be positive, got 0",
        "limits.tools[0].match: required",
        "limits.tools[1].method: must be one of tools/call, resources/read, prompts/get, got 'tools/list'",
        "limits.tools[2]: set rpm and/or max_parallel");
  }

  @Test
  void aMisspeltLimitIsRefusedNotIgnored() throws Exception {
    Path f = dir.resolve("typo.yaml");
    Files.writeString(f, SERVERS + """
        limits:
          tools:
            - { match: "crm__delete*", rmp: 10 }
        """);
    ConfigCheckTest.assertInvalid(f, "rmp");
  }
}

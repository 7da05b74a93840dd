package dev.portcullis.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.Main;
import dev.portcullis.admin.AdminClient;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.testing.GatewayHarness;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The numbers an operator feeds the limits: budgets, rpm and tpm from the admin API and the CLI,
 * budgets and prices from the config file. Negative, NaN, infinite, fractional where a whole
 * number is meant, or too large to account for are refused with a message naming the field,
 * never truncated, wrapped or computed into a hang.
 */
class LimitSettingsValidationTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void adminApiRefusesBudgetsAndRatesItCannotAccount() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: jdbc:sqlite:%s/p.db
        admin:
          key: adm
        server:
          access_log: false
        """.formatted(dir))) {
      AdminClient admin = new AdminClient(gw.baseUrl(), "adm");
      String[][] cases = {
          {"\"budget_usd\":-1", "budget_usd"},
          {"\"budget_usd\":1e309", "budget_usd"},
          {"\"budget_usd\":\"NaN\"", "budget_usd"},
          {"\"budget_usd\":\"Infinity\"", "budget_usd"},
          {"\"budget_usd\":\"1e999999999\"", "budget_usd"}, // rescaled naively: a billion-digit number
          {"\"budget_usd\":\"1e-999999999\"", "budget_usd"},
          {"\"budget_usd\":9300000000", "budget_usd"}, // beyond 2^63-1 nano-dollars
          {"\"tpm\":1.5", "tpm"},
          {"\"tpm\":1e300", "tpm"},
          {"\"tpm\":-5", "tpm"},
          {"\"tpm\":\"99999999999999999999\"", "tpm"},
          {"\"rpm\":3000000000", "rpm"},
          {"\"max_parallel\":0", "max_parallel"}};
      for (String[] c : cases) {
        CompletableFuture<HttpResponse<String>> call = CompletableFuture.supplyAsync(() -> {
          try {
            return admin.call("POST", "/admin/keys", "{\"name\":\"bad\"," + c[0] + "}");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        HttpResponse<String> r = call.get(30, TimeUnit.SECONDS); // a hang fails here
        assertThat(r.statusCode()).as(c[0] + ": " + r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).as(c[0]).contains(c[1]);
      }
      assertThat(admin.ok("GET", "/admin/keys", null).toString()).doesNotContain("\"bad\"");
      // the largest budget that is accountable is taken as it is
      String ok = admin.createKey("{\"name\":\"rich\",\"budget_usd\":\"9223372036.854775807\",\"tpm\":\"100\"}");
      assertThat(ok).startsWith("pk-");
      assertThat(admin.call("GET", "/admin/keys/rich", null).body()).contains("\"budget_usd\":9223372036.854775807");
    }
  }

  @Test
  void cliRefusesTheSameBudgets() throws Exception {
    Path config = dir.resolve("gw.yaml");
    Files.writeString(config, """
        models:
          demo: { deployments: [ { type: demo } ] }
        store:
          url: jdbc:sqlite:%s/cli.db
        """.formatted(dir));
    for (String budget : new String[] {"-1", "NaN", "1e999999999"}) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream old = System.err;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code;
      try {
        code = new CommandLine(new Main()).execute("keys", "create", "--config", config.toString(), "--name", "k",
            "--budget", budget);
      } finally {
        System.setErr(old);
      }
      assertThat(code).as(budget).isNotZero();
      assertThat(err.toString(StandardCharsets.UTF_8)).as(budget).contains("budget_usd");
    }
  }

  @Test
  void configRefusesPricesAndPersonaBudgetsThatAreNotFiniteAmounts() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.writeString(f, """
        models:
          demo: { deployments: [ { type: demo } ] }
        pricing:
          models:
            demo: { input: "NaN", output: -1, max_output_tokens: 0 }
          deployments:
            demo-1: { cached_input: 1e400 }
        personas:
          p:
            models: [demo]
            limits: { budget_usd: "NaN" }
        """);
    assertThatThrownBy(() -> new ConfigLoader().load(f)).isInstanceOfSatisfying(ConfigException.class, e ->
        assertThat(String.join("\n", e.problems()))
            .contains("pricing.models.demo.input: must be between 0 and 1000000000")
            .contains("pricing.models.demo.output: must be between 0")
            .contains("pricing.models.demo.max_output_tokens: must be positive")
            .contains("pricing.deployments.demo-1.cached_input: must be between 0")
            .contains("personas.p.limits.budget_usd: must be between 0 and 1000000000"));
  }
}

package dev.portcullis.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.GatewayConfig;
import dev.portcullis.store.Store;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Write-ahead under SIGKILL: a child process commits audit events as fast as it can and prints
 * each one the writer acknowledged; it is killed with kill -9 in the middle. Every acknowledged
 * event must be in the store afterwards, and the hash chain must still verify.
 */
class AuditKillTest {
  /** The child: commits events until killed, printing "acked ID" once each is committed. */
  public static void main(String[] args) throws Exception {
    try (Store store = Store.open(new GatewayConfig.StoreConfig(args[0], null, null, null, null, null, null))) {
      AuditWriter w = TestKeys.writer(new AuditRepository(store.dataSource(), store.sqlite()), 1000, 1000);
      for (int i = 0; ; i++) {
        String id = "tool-call-" + i;
        w.record(AuditTrailTest.event(i)); // batched events interleave with write-ahead ones
        w.commit(AuditEvent.builder(id, "started", "mcp").action("tools/call").target("fs/read_file").build()).get();
        System.out.println("acked " + id);
        System.out.flush();
      }
    }
  }

  @Test
  void acknowledgedEventsSurviveKillNine() throws Exception {
    Path dir = Files.createTempDirectory("audit-kill");
    String url = "jdbc:sqlite:" + dir.resolve("kill.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("java.class.path"), AuditKillTest.class.getName(), url)
        .redirectError(dir.resolve("child.err").toFile()).start();
    Set<String> acked = new HashSet<>();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        acked.add(line.substring("acked ".length()));
        if (acked.size() == 200) {
          child.destroyForcibly(); // SIGKILL, mid-stream
          break;
        }
      }
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(acked).as(Files.readString(dir.resolve("child.err"))).hasSize(200);
    try (Store store = Store.open(new GatewayConfig.StoreConfig(url, null, null, null, null, null, null))) {
      AuditRepository repo = new AuditRepository(store.dataSource(), true);
      Set<String> stored = new HashSet<>();
      repo.query(new AuditRepository.Filter("mcp", null, null, null, null, null, null, null, null, null, null, null,
          100_000)).forEach(e -> stored.add(e.id()));
      assertThat(stored).containsAll(acked);
      ChainVerifier.Report v = TestKeys.verifier(repo).verify(List.of());
      assertThat(v.ok()).as(v.problem()).isTrue();
    }
  }
}

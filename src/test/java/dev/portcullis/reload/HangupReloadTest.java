package dev.portcullis.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis serve} in a process of its own, sent SIGHUP: it keeps serving (the JVM's
 * default for SIGHUP would stop it), applies a valid file and rejects an invalid one, and a
 * client calling it meanwhile sees no failure.
 */
@DisabledOnOs(OS.WINDOWS)
class HangupReloadTest {
  static final Pattern LISTENING = Pattern.compile("portcullis listening on http://[^:]+:(\\d+)");

  @TempDir
  Path dir;
  Process process;
  final java.util.List<String> output = new CopyOnWriteArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws Exception {
    if (process != null) {
      process.destroy();
      process.waitFor();
    }
  }

  static String yaml(String models) {
    return """
        server:
          reload: { watch: false }
        clients:
          keys: [k1]
        models:
        %s
        """.formatted(models);
  }

  @Test
  void sighupReloadsTheFileAndKeepsServing() throws Exception {
    Path file = dir.resolve("portcullis.yaml");
    Files.writeString(file, yaml("  alpha: { deployments: [ { type: demo } ] }"));
    ProcessBuilder builder = new ProcessBuilder(System.getProperty("java.home") + "/bin/java", "-cp",
        System.getProperty("java.class.path"), "dev.portcullis.Main", "serve", "--config", file.toString(),
        "--port", "0", "--event-loops", "1").redirectErrorStream(true);
    builder.environment().put("PORTCULLIS_LOG_LEVEL", "INFO"); // the test waits for the INFO line "listening on"
    process = builder.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.add(line);
        }
      } catch (Exception e) {
        // the process ended
      }
    }, "serve-output");
    reader.setDaemon(true);
    reader.start();
    int port = await().atMost(Duration.ofSeconds(60)).until(this::port, p -> p > 0);
    String base = "http://127.0.0.1:" + port;

    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger done = new AtomicInteger();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    Thread load = new Thread(() -> {
      while (running.get()) {
        try {
          HttpResponse<String> r = chat(base, "alpha", true);
          if (r.statusCode() != 200 || !r.body().contains("data: [DONE]")) {
            failures.add(r.statusCode() + " " + r.body());
          }
        } catch (Exception e) {
          failures.add(e.toString());
        }
        done.incrementAndGet();
      }
    }, "load");
    load.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> done.get() >= 5);

    assertThat(chat(base, "beta", false).statusCode()).isEqualTo(404);
    Files.writeString(file, yaml("  alpha: { deployments: [ { type: demo } ] }\n"
        + "  beta: { deployments: [ { type: demo } ] }"));
    hangup();
    await().atMost(Duration.ofSeconds(20)).alias("beta served; output: " + output)
        .until(() -> chat(base, "beta", false).statusCode() == 200);
    assertThat(process.isAlive()).isTrue();

    Files.writeString(file, yaml("  alpha: { deployments: [ { type: nope } ] }"));
    hangup();
    await().atMost(Duration.ofSeconds(20)).alias("rejected; output: " + output).until(() -> output.stream().anyMatch(l ->
        l.contains("config reload rejected") && l.contains("models.alpha.deployments[0].type")));
    assertThat(process.isAlive()).isTrue();
    assertThat(chat(base, "beta", false).statusCode()).as("the configuration in force was kept").isEqualTo(200);

    int before = done.get();
    await().atMost(Duration.ofSeconds(20)).until(() -> done.get() >= before + 5);
    running.set(false);
    load.join(30_000);
    assertThat(failures).isEmpty();
  }

  private int port() {
    for (String line : output) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return 0;
  }

  private void hangup() throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  private HttpResponse<String> chat(String base, String model, boolean stream) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer k1")
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\""
            + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}

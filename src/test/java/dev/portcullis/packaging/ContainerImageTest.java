package dev.portcullis.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The container image as users get it: built by {@code bin/build-image} without a daemon, its
 * layers unpacked in order into a root file system, and its entry point and command (from the
 * image's own config) run there as its user, with its environment and working directory, the
 * way a container runtime would (this machine cannot run containers). Needs root, as CI has, to
 * unpack the layers with their owners and to enter the root; fails, never skips, without it.
 */
class ContainerImageTest {
  static final Path ROOT = Path.of("").toAbsolutePath();
  static final Path IMAGE = ROOT.resolve("target/portcullis-image.tar");
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration HANG = Duration.ofMinutes(10); // an upper bound for hangs, not a timing

  static Path rootfs;
  static JsonNode config;

  @BeforeAll
  static void buildAndUnpack() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      fail("the container image test unpacks layers with their owners and enters the image's root "
          + "file system: run it as root (CI does), e.g. through .ci/run");
    }
    run(ROOT, List.of(ROOT.resolve("bin/build-image").toString()));
    Path work = Files.createTempDirectory("portcullis-image");
    Path archive = work.resolve("archive");
    rootfs = work.resolve("rootfs");
    Files.createDirectories(archive);
    Files.createDirectories(rootfs);
    run(work, List.of("tar", "-xf", IMAGE.toString(), "-C", archive.toString()));
    JsonNode manifest = JSON.readTree(archive.resolve("manifest.json").toFile()).get(0);
    config = JSON.readTree(archive.resolve(manifest.get("Config").asText()).toFile());
    for (JsonNode layer : manifest.get("Layers")) {
      run(work, List.of("tar", "--warning=no-unknown-keyword", "--same-owner", "-xzf",
          archive.resolve(layer.asText()).toString(), "-C", rootfs.toString()));
    }
    try (Stream<Path> whiteouts = Files.walk(rootfs)) {
      // Jib writes none; a whiteout would mean a layer deletes what a lower one added.
      assertThat(whiteouts.filter(p -> p.getFileName().toString().startsWith(".wh."))).isEmpty();
    }
  }

  /**
   * The /proc and /dev mounts were made in the container's own mount namespace, gone with its
   * processes, so from here the root file system is plain files.
   */
  @AfterAll
  static void removeRootfs() throws IOException {
    if (rootfs == null) {
      return;
    }
    try (Stream<Path> files = Files.walk(rootfs.getParent())) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  @Test
  void imageConfigRunsServeAsNonRootWithAHealthyDemoGateway() throws Exception {
    JsonNode c = config.get("config");
    assertThat(c.get("User").asText()).isEqualTo("65532:65532");
    assertThat(c.get("Entrypoint").get(0).asText()).isEqualTo("/app/bin/portcullis");
    assertThat(c.get("Cmd").get(0).asText()).isEqualTo("serve");
    assertThat(c.get("ExposedPorts").has("8080/tcp")).isTrue();
    String workDir = c.get("WorkingDir").asText();
    PosixFileAttributes data = Files.readAttributes(rootfs.resolve(workDir.substring(1)), PosixFileAttributes.class);
    assertThat(data.owner().getName()).as("the data directory belongs to the image's user").isIn("65532", "portcullis");

    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process container = start(c, cmd(c), Map.of("PORTCULLIS_PORT", String.valueOf(port)));
    try {
      String base = "http://127.0.0.1:" + port;
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      awaitOk(http, base + "/healthz", container);
      assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);

      HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
          .header("Authorization", "Bearer demo-key").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(chat.body());
      assertThat(body.at("/object").asText()).isEqualTo("chat.completion");
      assertThat(body.at("/choices/0/message/content").asText()).isNotBlank();

      ProcessHandle java = container.descendants()
          .filter(p -> p.info().command().map(cmd -> cmd.endsWith("/java")).orElse(false))
          .findFirst().orElseThrow(() -> new AssertionError("no java process under the entry point"));
      assertThat(Files.readAllLines(Path.of("/proc/" + java.pid() + "/status")))
          .as("the gateway runs as uid 65532, not root")
          .anyMatch(l -> l.matches("Uid:\\s+65532\\s+65532\\s+65532\\s+65532"));
      assertThat(java.info().arguments().orElseThrow()).as("the shipped JVM defaults are used")
          .contains("@/app/jvm.options");
      assertThat(rootfs.resolve(workDir.substring(1)).resolve("data/portcullis.db"))
          .as("the demo's SQLite store is written in the working directory by the non-root user").exists();
    } finally {
      container.descendants().forEach(ProcessHandle::destroyForcibly);
      container.destroyForcibly();
      container.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void javaOptionsFromTheEnvironmentReplaceTheDefaults() throws Exception {
    Process p = start(config.get("config"), List.of("--version"),
        Map.of("PORTCULLIS_JAVA_OPTS", "-XX:+PrintCommandLineFlags -Xmx64m"));
    try {
      assertThat(p.waitFor(HANG.toMillis(), TimeUnit.MILLISECONDS)).as("exits").isTrue();
      assertThat(p.exitValue()).as(log()).isZero();
      assertThat(log()).contains("-XX:MaxHeapSize=67108864").doesNotContain("UseSerialGC")
          .contains("portcullis 0.1.0");
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }

  static List<String> cmd(JsonNode c) {
    List<String> cmd = new ArrayList<>();
    c.get("Cmd").forEach(a -> cmd.add(a.asText()));
    return cmd;
  }

  /**
   * Runs the image's entry point with {@code args} (like {@code docker run IMAGE ARGS}) in
   * {@link #rootfs} the way a runtime would: its own /proc and /dev, the image's user, working
   * directory and environment (plus {@code extraEnv}, like {@code docker run -e}); the host's
   * network, so the test reaches the port directly. The mounts live in a private mount namespace
   * and vanish with it.
   */
  static Process start(JsonNode c, List<String> args, Map<String, String> extraEnv) throws IOException {
    Files.createDirectories(rootfs.resolve("proc"));
    Files.createDirectories(rootfs.resolve("dev"));
    String[] user = c.get("User").asText().split(":");
    List<String> inner = new ArrayList<>(List.of("/usr/bin/unshare", "--root=" + rootfs,
        "--wd=" + c.get("WorkingDir").asText(), "--setuid", user[0], "--setgid", user[1]));
    c.get("Entrypoint").forEach(a -> inner.add(a.asText()));
    inner.addAll(args);
    String script = "/bin/mount --rbind /dev \"$1/dev\" && /bin/mount -t proc proc \"$1/proc\" && shift && exec \"$@\"";
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "--mount", "--pid", "--fork",
        "/bin/sh", "-c", script, "sh", rootfs.toString()));
    cmd.addAll(inner);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(rootfs.resolveSibling("container.log").toFile());
    pb.environment().clear();
    c.get("Env").forEach(e -> {
      String[] kv = e.asText().split("=", 2);
      pb.environment().put(kv[0], kv[1]);
    });
    pb.environment().putAll(extraEnv);
    return pb.start();
  }

  static void awaitOk(HttpClient http, String url, Process container) throws Exception {
    long deadline = System.nanoTime() + HANG.toNanos();
    while (System.nanoTime() < deadline) {
      if (!container.isAlive()) {
        fail("the container exited with " + container.exitValue() + ":\n" + log());
      }
      try {
        if (get(http, url).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    fail(url + " never answered 200:\n" + log());
  }

  static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String log() throws IOException {
    return Files.readString(rootfs.resolveSibling("container.log"));
  }

  static void run(Path dir, List<String> cmd) throws Exception {
    Path out = Files.createTempFile("portcullis-image-step", ".log");
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!p.waitFor(HANG.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " hung:\n" + Files.readString(out));
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " failed with " + p.exitValue() + ":\n" + Files.readString(out));
    }
    Files.delete(out);
  }
}

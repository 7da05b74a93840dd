package dev.portcullis.mcp;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Node.js for the interop tests: the node binary and the packages of src/test/node. Missing
 * pieces fail the test.
 */
public final class NodeSupport {
  static final Path DIR = Path.of("src/test/node").toAbsolutePath();

  private NodeSupport() {}

  /** The node binary, after checking that {@code npm ci} has run in src/test/node. */
  public static String node() {
    String node = find("node");
    String problem = node == null ? "node is not on PATH"
        : !Files.isDirectory(DIR.resolve("node_modules/@modelcontextprotocol/sdk"))
            ? "run 'npm ci' in src/test/node first" : null;
    if (problem != null) {
      missing(problem);
    }
    return node;
  }

  /**
   * A real public API description from the npm package {@code @readme/oas-examples} (a test
   * dependency in src/test/node), e.g. {@code "3.0/json/petstore.json"}: its absolute path.
   */
  public static String oasExample(String file) {
    Path p = DIR.resolve("node_modules/@readme/oas-examples").resolve(file);
    if (!Files.isRegularFile(p)) {
      missing("run 'npm ci' in src/test/node first (" + p + " is missing)");
    }
    return p.toString();
  }

  /**
   * Fails, everywhere: a skipped interop test reads as a pass (0 tests run, BUILD SUCCESS), so a
   * machine without Node.js must not look like one where the gateway interoperates.
   */
  static void missing(String problem) {
    fail("Node.js interop tests cannot run: " + problem + " (bin/test installs the packages itself)");
  }

  /** Starts {@code node script args...} with PORT set, and waits until the port accepts connections. */
  static Process startAndWait(int port, String node, String script, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(node, DIR.resolve(script).toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", String.valueOf(port));
    return awaitPort(pb.start(), port, script);
  }

  private static Process awaitPort(Process p, int port, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return p;
      } catch (IOException e) {
        if (!p.isAlive()) {
          throw new IllegalStateException(what + " exited with code " + p.exitValue());
        }
        Thread.sleep(100);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException(what + " did not start on port " + port);
  }

  static String find(String exe) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, exe);
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    return null;
  }

  static String everythingScript() {
    return DIR.resolve("node_modules/@modelcontextprotocol/server-everything/dist/index.js").toString();
  }

  /** Runs a node script from src/test/node and returns its stdout (stderr goes to the test log). */
  public static String run(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(node(), DIR.resolve(script).toString()));
    cmd.addAll(List.of(args));
    // stdout goes to a file, not a pipe read to its end: a script that hangs with stdout open would
    // block that read forever, and the deadline below would never be checked
    Path out = Files.createTempFile("node-run", ".out");
    try {
      Process p = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectOutput(out.toFile())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        fail(script + " did not finish within 120 s; its output so far: " + Files.readString(out));
      }
      return Files.readString(out);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** server-everything on Streamable HTTP at http://127.0.0.1:PORT/mcp, once it accepts connections. */
  public static Process everythingHttp(int port) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(node(), everythingScript(), "streamableHttp")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
    pb.environment().put("PORT", String.valueOf(port));
    return awaitPort(pb.start(), port, "server-everything");
  }
}

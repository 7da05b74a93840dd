package dev.portcullis.cluster;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A server process a cluster test starts (redis-server, haproxy, a gateway replica): its output
 * kept for failure messages, stopped with the test.
 */
public final class ExternalProcess implements AutoCloseable {
  final String name;
  final Process process;
  final List<String> output = new CopyOnWriteArrayList<>();

  private ExternalProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          output.add(line);
        }
      } catch (IOException e) {
        // the process ended
      }
    }, name + "-output");
    reader.setDaemon(true);
    reader.start();
  }

  public static ExternalProcess start(String name, ProcessBuilder builder) throws IOException {
    Process p = builder.redirectErrorStream(true).start();
    // a test JVM stopped half-way (Ctrl-C, a killed build) leaves no server running behind it
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, name + "-stop"));
    return new ExternalProcess(name, p);
  }

  /** The absolute path of a program from PATH, /usr/sbin or /sbin; fails the test (never skips) when missing. */
  public static String require(String program, String apt) {
    String path = System.getenv("PATH") == null ? "" : System.getenv("PATH");
    for (String dir : (path + File.pathSeparator + "/usr/sbin" + File.pathSeparator + "/sbin").split(File.pathSeparator)) {
      File f = new File(dir, program);
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    fail(program + " is not installed: the cluster test needs it (apt-get install " + apt + "; .ci/run does)");
    return null;
  }

  /** Waits until the port accepts connections; fails with the output when the process ends or it takes too long. */
  public ExternalProcess awaitPort(int port) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return this;
      } catch (IOException e) {
        if (!process.isAlive()) {
          fail(name + " exited with " + process.exitValue() + ": " + String.join("\n", output));
        }
        Thread.sleep(50);
      }
    }
    fail(name + " did not listen on " + port + ": " + String.join("\n", output));
    return this;
  }

  /** kill -9: no shutdown hook, no goodbye to anyone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}

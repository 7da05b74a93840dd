package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An MCP server launched as a child process: newline-delimited JSON-RPC on stdin/stdout,
 * stderr lines go to the gateway's log. Lines that are not JSON are logged and skipped; a line
 * longer than the response cap stops the server (it restarts as any exited server does).
 */
public final class StdioTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);
  /** Log lines, not messages: more than this of one is noise. */
  private static final int MAX_STDERR_LINE_BYTES = 64 * 1024;

  private final String name;
  private final List<String> command;
  private final Map<String, String> env;
  private final String cwd;
  private final ObjectMapper json;
  private final int maxLineBytes;
  private Process process;
  private OutputStream stdin;
  private ExecutorService writer;

  /**
   * @param cwd the process's working directory, or null for the gateway's own
   * @param maxLineBytes the longest message line read from the server ({@code server.max_response_bytes})
   */
  public StdioTransport(String name, String command, List<String> args, Map<String, String> env, String cwd,
      ObjectMapper json, long maxLineBytes) {
    this.name = name;
    this.cwd = cwd;
    this.command = new ArrayList<>();
    this.command.add(command);
    this.command.addAll(args);
    this.env = env;
    this.json = json;
    this.maxLineBytes = (int) Math.min(Integer.MAX_VALUE - 8, maxLineBytes);
  }

  @Override
  public synchronized Future<Void> open(Sink sink) {
    stop();
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    if (cwd != null) {
      pb.directory(new java.io.File(cwd));
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE,
          "cannot launch '" + command.get(0) + "': " + e.getMessage()));
    }
    process = p;
    stdin = p.getOutputStream();
    writer = Executors.newSingleThreadExecutor(r -> daemon(r, "mcp-stdio-write-" + name));
    daemon(() -> readStdout(p, sink), "mcp-stdio-read-" + name).start();
    daemon(() -> readStderr(p), "mcp-stdio-err-" + name).start();
    return Future.succeededFuture();
  }

  private void readStdout(Process p, Sink sink) {
    String broken = null;
    try (InputStream out = p.getInputStream()) {
      BoundedLines lines = new BoundedLines(out, maxLineBytes);
      BoundedLines.Line next;
      while ((next = lines.next()) != null) {
        if (next.oversized()) {
          // no message is that long: the server prints something other than JSON-RPC (binary, a
          // dump); reading on would only spend the gateway's time, so it is stopped
          LOG.atWarn().addKeyValue("upstream", name).addKeyValue("max_bytes", maxLineBytes)
              .log("the MCP server printed a line longer than server.max_response_bytes; stopping it");
          broken = "printed a line longer than " + maxLineBytes + " bytes (server.max_response_bytes)";
          p.destroyForcibly();
          break;
        }
        String line = next.text();
        if (line.isBlank()) {
          continue;
        }
        JsonNode m;
        try {
          m = json.readTree(line);
        } catch (IOException e) {
          LOG.atWarn().addKeyValue("upstream", name)
              .addKeyValue("line", line.length() > 200 ? line.substring(0, 200) + "..." : line)
              .log("skipped a line that is not JSON from the MCP server's stdout");
          continue;
        }
        try {
          sink.message(m);
        } catch (RuntimeException e) {
          LOG.atWarn().addKeyValue("upstream", name).setCause(e).log("failed to handle an upstream message");
        }
      }
    } catch (IOException e) {
      // the process went away; reported below
    }
    String reason;
    try {
      if (broken != null) {
        reason = broken;
      } else if (p.waitFor(2, TimeUnit.SECONDS)) {
        reason = "process exited with code " + p.exitValue();
      } else {
        reason = "process closed its stdout";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reason = "interrupted";
    }
    synchronized (this) {
      if (process != p) {
        return; // an intentional stop or a newer process
      }
    }
    sink.closed(reason);
  }

  private void readStderr(Process p) {
    try (InputStream err = p.getErrorStream()) {
      BoundedLines lines = new BoundedLines(err, MAX_STDERR_LINE_BYTES);
      BoundedLines.Line line;
      while ((line = lines.next()) != null) {
        LOG.atInfo().addKeyValue("upstream", name)
            .addKeyValue("stderr", line.oversized() ? "(a line over " + MAX_STDERR_LINE_BYTES + " bytes, skipped)"
                : line.text()).log("MCP server stderr");
      }
    } catch (IOException e) {
      // process ended
    }
  }

  @Override
  public synchronized Future<Void> send(ObjectNode message) {
    if (process == null || !process.isAlive()) {
      return Future.failedFuture(new McpError(McpError.UPSTREAM_UNAVAILABLE, "process is not running"));
    }
    byte[] bytes = (message.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    OutputStream out = stdin;
    Promise<Void> done = Promise.promise();
    writer.execute(() -> {
      try {
        out.write(bytes);
        out.flush();
        done.complete();
      } catch (IOException e) {
        done.fail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "cannot write to the process: " + e.getMessage()));
      }
    });
    return done.future();
  }

  @Override
  public synchronized Future<Void> close() {
    stop();
    return Future.succeededFuture();
  }

  /** Closes stdin, waits briefly for a clean exit, then terminates (and finally kills) the process. */
  private void stop() {
    Process p = process;
    process = null;
    if (p == null) {
      return;
    }
    ExecutorService w = writer;
    w.shutdown();
    Thread t = daemon(() -> {
      try {
        try {
          p.getOutputStream().close();
        } catch (IOException ignored) {
          // already closed
        }
        if (!p.waitFor(2, TimeUnit.SECONDS)) {
          p.destroy();
          if (!p.waitFor(2, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
        p.descendants().forEach(ProcessHandle::destroy);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }, "mcp-stdio-stop-" + name);
    t.start();
  }

  @Override
  public boolean sharedChannel() {
    return true;
  }

  @Override
  public String describe() {
    return "stdio:" + command.get(0);
  }

  private static Thread daemon(Runnable r, String threadName) {
    Thread t = new Thread(r, threadName);
    t.setDaemon(true);
    return t;
  }
}

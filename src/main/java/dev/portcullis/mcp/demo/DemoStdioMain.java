package dev.portcullis.mcp.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.McpMethods;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The demo MCP server on stdio. With {@code --faults} it also offers tools that misbehave on
 * purpose (crash, hang, print garbage or binary), for the gateway's fault tests.
 */
public final class DemoStdioMain {
  private DemoStdioMain() {}

  public static void main(String[] args) throws IOException {
    boolean faults = List.of(args).contains("--faults");
    ObjectMapper json = new ObjectMapper();
    PrintStream stdout = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    System.setOut(System.err); // nothing but MCP messages may reach stdout
    Consumer<JsonNode> out = m -> {
      synchronized (stdout) {
        stdout.print(m.toString() + "\n");
        stdout.flush();
      }
    };
    DemoMcpServer server = faults ? new Faulty(stdout) : new DemoMcpServer();
    System.err.println("portcullis demo MCP server on stdio" + (faults ? " (with fault tools)" : ""));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (!line.isBlank()) {
        try {
          server.handle(json.readTree(line), out);
        } catch (IOException e) {
          System.err.println("ignored a line that is not JSON");
        }
      }
    }
  }

  /** The demo server plus tools that fail in the ways real servers do. */
  static final class Faulty extends DemoMcpServer {
    private final PrintStream stdout;
    private final java.util.concurrent.atomic.AtomicInteger cancellations = new java.util.concurrent.atomic.AtomicInteger();

    Faulty(PrintStream stdout) {
      this.stdout = stdout;
    }

    @Override
    protected ArrayNode toolList() {
      ArrayNode tools = super.toolList();
      for (String n : List.of("crash", "hang", "garbage", "binary", "crash-midway", "cancellations")) {
        ObjectNode t = tools.addObject().put("name", n).put("description", "Fault injection: " + n);
        t.putObject("inputSchema").put("type", "object");
      }
      // a 2026-07-28 tool whose region argument is mirrored into the Mcp-Param-Region header
      ObjectNode regional = tools.addObject().put("name", "regional").put("description", "Runs in a region");
      ObjectNode schema = regional.putObject("inputSchema").put("type", "object");
      schema.putObject("properties").putObject("region").put("type", "string").put("x-mcp-header", "Region");
      return tools;
    }

    @Override
    public void handle(JsonNode msg, Consumer<JsonNode> out) {
      if (McpMethods.NOTIFICATION_CANCELLED.equals(msg.path("method").asText())) {
        cancellations.incrementAndGet();
      }
      super.handle(msg, out);
    }

    @Override
    protected JsonNode call(ObjectNode params, Consumer<JsonNode> out) {
      switch (params.path("name").asText()) {
        case "crash" -> {
          System.err.println("crashing on purpose");
          Runtime.getRuntime().halt(3);
          return null;
        }
        case "hang" -> {
          return null; // never answers
        }
        case "crash-midway" -> { // reports progress, then dies in the middle of the call
          JsonNode token = dev.portcullis.mcp.protocol.JsonRpc.progressToken(params);
          if (token != null) {
            ObjectNode p = dev.portcullis.mcp.protocol.JsonRpc.F.objectNode().put("progress", 1).put("total", 2)
                .put("message", "halfway");
            p.set("progressToken", token);
            out.accept(dev.portcullis.mcp.protocol.JsonRpc.notification(McpMethods.NOTIFICATION_PROGRESS, p));
          }
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          System.err.println("crashing in the middle of a call");
          Runtime.getRuntime().halt(4);
          return null;
        }
        case "regional" -> {
          return text("ran in " + params.path("arguments").path("region").asText("nowhere"), false);
        }
        case "cancellations" -> {
          return text(String.valueOf(cancellations.get()), false);
        }
        case "garbage" -> {
          synchronized (stdout) {
            stdout.print("this is not JSON {{{\n");
            stdout.flush();
          }
          return text("said something odd first", false);
        }
        case "binary" -> { // a mebibyte of bytes with no line end, as a server dumping a file would
          byte[] noise = new byte[1 << 20];
          new java.util.Random(7).nextBytes(noise);
          for (int i = 0; i < noise.length; i++) {
            noise[i] = noise[i] == '\n' ? 0 : noise[i];
          }
          synchronized (stdout) {
            stdout.write(noise, 0, noise.length);
            stdout.flush();
          }
          return text("dumped a mebibyte first", false);
        }
        default -> {
          return super.call(params, out);
        }
      }
    }
  }
}

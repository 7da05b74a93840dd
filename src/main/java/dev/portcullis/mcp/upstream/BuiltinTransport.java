package dev.portcullis.mcp.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** An MCP server running inside the gateway process (the demo server): messages are handed over directly. */
public final class BuiltinTransport implements Transport {
  private final String name;
  private final BiConsumer<JsonNode, Consumer<JsonNode>> server;
  private volatile Sink sink;

  /** @param server handles one message and sends whatever it answers to the given consumer */
  public BuiltinTransport(String name, BiConsumer<JsonNode, Consumer<JsonNode>> server) {
    this.name = name;
    this.server = server;
  }

  @Override
  public Future<Void> open(Sink s) {
    this.sink = s;
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> send(ObjectNode message) {
    Sink s = sink;
    if (s != null) {
      server.accept(message.deepCopy(), s::message);
    }
    return Future.succeededFuture();
  }

  @Override
  public boolean probesModern() {
    return false; // the demo server speaks the session-based revisions
  }

  @Override
  public Future<Void> close() {
    sink = null;
    return Future.succeededFuture();
  }

  @Override
  public String describe() {
    return "builtin:" + name;
  }
}

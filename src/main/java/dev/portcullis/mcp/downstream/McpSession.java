package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import dev.portcullis.mcp.protocol.McpError;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A downstream client's session (legacy revisions): bound to the principal that created it and
 * to the endpoint (all servers, or one virtual server) it was created on.
 */
public final class McpSession {
  private static final int MAX_STREAMS = 64;

  private final String id;
  private final String principalId;
  private final String view;
  private final String protocolVersion;
  private final ObjectNode initParams;
  private final JsonNode clientInfo;
  private final JsonNode clientCapabilities;
  private final Map<String, SseStream> streams = new ConcurrentHashMap<>();
  private final AtomicLong streamSeq = new AtomicLong();
  private final Map<String, Boolean> subscriptions = new ConcurrentHashMap<>();
  private final Map<String, io.vertx.core.Promise<JsonNode>> clientRequests = new ConcurrentHashMap<>();
  private final AtomicLong clientRequestSeq = new AtomicLong();
  private volatile SseStream standalone;
  private volatile long lastSeenMillis = System.currentTimeMillis();
  private volatile boolean closed;

  McpSession(String id, String principalId, String view, String protocolVersion, ObjectNode initParams) {
    this.id = id;
    this.principalId = principalId;
    this.view = view;
    this.protocolVersion = protocolVersion;
    this.initParams = initParams;
    this.clientInfo = initParams.path("clientInfo");
    this.clientCapabilities = initParams.path("capabilities");
  }

  public String id() {
    return id;
  }

  public String principalId() {
    return principalId;
  }

  /** The virtual server name, or "" for the all-servers endpoint. */
  public String view() {
    return view;
  }

  public String protocolVersion() {
    return protocolVersion;
  }

  public JsonNode clientInfo() {
    return clientInfo;
  }

  /** The client's initialize parameters, as another replica needs them to serve this session. */
  ObjectNode initParams() {
    return initParams;
  }

  public JsonNode clientCapabilities() {
    return clientCapabilities;
  }

  public Map<String, Boolean> subscriptions() {
    return subscriptions;
  }

  void touch() {
    lastSeenMillis = System.currentTimeMillis();
  }

  long lastSeenMillis() {
    return lastSeenMillis;
  }

  /** A new stream for one POST's response, resumable by its event ids. */
  public SseStream newStream() {
    SseStream s = new SseStream("s" + streamSeq.incrementAndGet());
    streams.put(s.id(), s);
    if (streams.size() > MAX_STREAMS) {
      Iterator<Map.Entry<String, SseStream>> it = streams.entrySet().iterator();
      while (it.hasNext() && streams.size() > MAX_STREAMS) {
        if (it.next().getValue().finished()) {
          it.remove();
        }
      }
    }
    return s;
  }

  public SseStream stream(String streamId) {
    return streams.get(streamId);
  }

  /** The GET stream for messages unrelated to a request; created on first use. */
  public synchronized SseStream standalone() {
    if (standalone == null) {
      standalone = new SseStream("g" + streamSeq.incrementAndGet());
      streams.put(standalone.id(), standalone);
    }
    return standalone;
  }

  /** Sends a notification unrelated to any request (list_changed, resource updates). */
  public void notifyClient(JsonNode message) {
    if (!closed) {
      standalone().send(message);
    }
  }

  /** Whether the client's GET stream is open on this replica now. */
  boolean standaloneConnected() {
    SseStream s = standalone;
    return s != null && s.connected();
  }

  /** Whether a client is listening on any stream right now. */
  boolean hasLiveStream() {
    return streams.values().stream().anyMatch(SseStream::connected);
  }

  /**
   * Sends a request to this client (sampling, elicitation) on the given stream and returns its
   * answer; fails with the client's JSON-RPC error.
   */
  public io.vertx.core.Future<JsonNode> askClient(String method, ObjectNode params,
      java.util.function.Consumer<JsonNode> stream) {
    String id = "portcullis-" + clientRequestSeq.incrementAndGet();
    io.vertx.core.Promise<JsonNode> p = io.vertx.core.Promise.promise();
    clientRequests.put(id, p);
    stream.accept(JsonRpc.request(JsonRpc.F.textNode(id), method, params));
    return p.future().andThen(ar -> clientRequests.remove(id));
  }

  /** A response the client POSTed to one of our requests. */
  void answer(JsonNode response) {
    io.vertx.core.Promise<JsonNode> p = clientRequests.remove(response.path("id").asText());
    if (p == null) {
      return;
    }
    JsonNode err = response.get("error");
    if (err != null) {
      p.tryFail(new McpError(err.path("code").asInt(McpError.INTERNAL_ERROR), err.path("message").asText(""),
          err.get("data")));
    } else {
      p.tryComplete(response.get("result"));
    }
  }

  void close() {
    closed = true;
    clientRequests.values().forEach(p -> p.tryFail(new McpError(McpError.INTERNAL_ERROR, "session closed")));
    streams.values().forEach(SseStream::finish);
  }

  public boolean closed() {
    return closed;
  }
}

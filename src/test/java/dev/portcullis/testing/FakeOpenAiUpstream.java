package dev.portcullis.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A scriptable stand-in for an OpenAI-compatible provider, speaking OpenAI's wire format: chat
 * completions (JSON and SSE), the Responses API (JSON and its event stream), embeddings and
 * OpenAI-shaped errors. It records every request it
 * receives. Tests queue behaviours ({@link #enqueue}); each request takes the next one, or the
 * default behaviour ({@link #otherwise}) when the queue is empty (at first: a plain success).
 */
public final class FakeOpenAiUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the fake answers one request. */
  @FunctionalInterface
  public interface Behaviour {
    void respond(HttpServerRequest req, Received received);
  }

  /** One request as the fake received it. */
  public record Received(String method, String uri, MultiMap headers, Buffer body, long atNanos,
      AtomicBoolean closed) {
    /** The body parsed as JSON. */
    public JsonNode json() {
      try {
        return JSON.readTree(body.getBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** True once the connection closed before this request's response was complete. */
    public boolean connectionClosed() {
      return closed.get();
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final ConcurrentLinkedQueue<Behaviour> script = new ConcurrentLinkedQueue<>();
  private final List<Received> received = Collections.synchronizedList(new ArrayList<>());
  private volatile Behaviour otherwise = ok();

  private FakeOpenAiUpstream(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  public static FakeOpenAiUpstream start() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
        .setTcpNoDelay(true));
    FakeOpenAiUpstream fake = new FakeOpenAiUpstream(vertx, server);
    server.requestHandler(fake::handle);
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return fake;
  }

  /** The base URL a deployment config points at (…/v1, as for OpenAI). */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  /** The root URL, without /v1 (what an Azure deployment's base_url is). */
  public String rootUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Queues behaviours for the next requests, in order. */
  public FakeOpenAiUpstream enqueue(Behaviour... behaviours) {
    script.addAll(List.of(behaviours));
    return this;
  }

  /** What to do once the queue is empty. */
  public FakeOpenAiUpstream otherwise(Behaviour behaviour) {
    this.otherwise = behaviour;
    return this;
  }

  /** Every request received so far, in arrival order. */
  public List<Received> requests() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  public int attempts() {
    return received.size();
  }

  public Received last() {
    synchronized (received) {
      return received.get(received.size() - 1);
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void handle(HttpServerRequest req) {
    AtomicBoolean closed = new AtomicBoolean();
    req.response().closeHandler(v -> closed.set(true));
    req.body().onSuccess(body -> {
      Received r = new Received(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap()
          .addAll(req.headers()), body.copy(), System.nanoTime(), closed);
      received.add(r);
      Behaviour b = script.poll();
      (b != null ? b : otherwise).respond(req, r);
    });
  }

  // ---- behaviours ----

  /** 200 with a chat completion (or embeddings list) whose text is "Hello from the fake.". */
  public static Behaviour ok() {
    return ok("Hello from the fake.");
  }

  public static Behaviour ok(String text) {
    return (req, r) -> {
      JsonNode body = r.json();
      if (req.path().endsWith("/responses")) {
        responses(text).respond(req, r);
        return;
      }
      String out = req.path().endsWith("/embeddings") ? embeddings(body) : completion(body, text);
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out);
    };
  }

  /**
   * 200 with an SSE stream of {@code chunks} content pieces ("w0 ", "w1 ", ...), a finishing
   * chunk, a usage-only chunk when the request asked for stream_options.include_usage, and
   * [DONE]. Each event is its own write.
   */
  public static Behaviour stream(int chunks) {
    return (req, r) -> {
      HttpServerResponse resp = startStream(req);
      List<String> events = streamEvents(r.json(), chunks);
      for (String e : events) {
        resp.write(e);
      }
      resp.end();
    };
  }

  /** Like {@link #stream}, but waits {@code gapMillis} before each event (a slow model). */
  public static Behaviour slowStream(int chunks, long gapMillis) {
    return (req, r) -> {
      HttpServerResponse resp = startStream(req);
      Iterator<String> events = streamEvents(r.json(), chunks).iterator();
      Vertx vertx = Vertx.currentContext().owner();
      vertx.setPeriodic(gapMillis, id -> {
        if (resp.closed()) {
          vertx.cancelTimer(id);
        } else if (events.hasNext()) {
          resp.write(events.next());
        } else {
          vertx.cancelTimer(id);
          resp.end();
        }
      });
    };
  }

  /** Streams {@code chunks} complete events and half of the next one, then closes the connection. */
  public static Behaviour cutStream(int chunks) {
    return (req, r) -> {
      HttpServerResponse resp = startStream(req);
      List<String> events = streamEvents(r.json(), chunks);
      Future<Void> written = Future.succeededFuture();
      for (int i = 0; i < chunks; i++) {
        written = resp.write(events.get(i));
      }
      String next = events.get(chunks);
      written = resp.write(next.substring(0, next.length() / 2));
      // Let the bytes reach the socket before the connection goes away without a proper end.
      written.onComplete(x -> req.connection().close());
    };
  }

  /**
   * Streams {@code chunks} complete content events, then {@code tail} exactly as given (a broken
   * event, half an event, an error event...), then ends the response properly.
   */
  public static Behaviour streamThen(int chunks, String tail) {
    return (req, r) -> {
      HttpServerResponse resp = startStream(req);
      List<String> events = streamEvents(r.json(), chunks);
      for (int i = 0; i < chunks; i++) {
        resp.write(events.get(i));
      }
      resp.write(tail);
      resp.end();
    };
  }

  /** Streams {@code chunks} complete events, then neither sends more nor ends. */
  public static Behaviour streamThenHang(int chunks) {
    return (req, r) -> {
      HttpServerResponse resp = startStream(req);
      List<String> events = streamEvents(r.json(), chunks);
      for (int i = 0; i < chunks; i++) {
        resp.write(events.get(i));
      }
    };
  }

  /** An OpenAI-shaped error with this status. */
  public static Behaviour error(int status, String type, String code, String message) {
    return status(status, errorBody(message, type, code), Map.of());
  }

  /** Any status, body and headers. */
  public static Behaviour status(int status, String body, Map<String, String> headers) {
    return (req, r) -> {
      HttpServerResponse resp = req.response().setStatusCode(status)
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
      headers.forEach(resp::putHeader);
      resp.end(body);
    };
  }

  /** Any status, content type, body bytes and headers. */
  public static Behaviour status(int status, String contentType, Buffer body, Map<String, String> headers) {
    return (req, r) -> {
      HttpServerResponse resp = req.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType);
      headers.forEach(resp::putHeader);
      resp.end(body);
    };
  }

  /** Never answers (until the other side gives up and closes the connection). */
  public static Behaviour hang() {
    return (req, r) -> { };
  }

  /** Closes the connection without any response. */
  public static Behaviour reset() {
    return (req, r) -> req.connection().close();
  }

  /** Waits before doing {@code then}. */
  public static Behaviour slowFirstByte(long millis, Behaviour then) {
    return (req, r) -> Vertx.currentContext().owner().setTimer(millis, t -> then.respond(req, r));
  }

  // ---- OpenAI wire format ----

  /**
   * The Responses API as OpenAI answers it: a response whose one message says {@code text}, as
   * JSON, or with {@code "stream": true} as OpenAI's event stream (created, in_progress, the
   * message item with its part and one delta per word, the done events, completed).
   */
  public static Behaviour responses(String text) {
    return responses(body -> text);
  }

  /** As {@link #responses(String)}, saying what {@code reply} makes of the request body. */
  public static Behaviour responses(java.util.function.Function<JsonNode, String> reply) {
    return (req, r) -> {
      JsonNode body = r.json();
      String text = reply.apply(body);
      String id = "resp_fake" + Long.toHexString(System.nanoTime());
      ObjectNode response = responseObject(body, id, "in_progress");
      if (!body.path("stream").asBoolean(false)) {
        ObjectNode done = responseObject(body, id, "completed");
        ((ArrayNode) done.get("output")).add(messageItem(text, "completed"));
        done.set("usage", responsesUsage(text));
        req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(done.toString());
        return;
      }
      HttpServerResponse resp = startStream(req);
      int[] seq = {0};
      java.util.function.BiConsumer<String, ObjectNode> send = (type, e) -> {
        e.put("type", type).put("sequence_number", seq[0]++);
        resp.write("event: " + type + "\ndata: " + e + "\n\n");
      };
      send.accept("response.created", JSON.createObjectNode().set("response", response));
      send.accept("response.in_progress", JSON.createObjectNode().set("response", response));
      ObjectNode item = messageItem("", "in_progress");
      ((ArrayNode) item.get("content")).removeAll();
      String itemId = item.get("id").textValue();
      send.accept("response.output_item.added", JSON.createObjectNode().put("output_index", 0).set("item", item));
      send.accept("response.content_part.added", itemEvent(itemId).set("part", textPart("")));
      for (String word : text.split("(?<= )")) {
        ObjectNode delta = itemEvent(itemId).put("delta", word);
        delta.putArray("logprobs");
        send.accept("response.output_text.delta", delta);
      }
      ObjectNode textDone = itemEvent(itemId).put("text", text);
      textDone.putArray("logprobs");
      send.accept("response.output_text.done", textDone);
      send.accept("response.content_part.done", itemEvent(itemId).set("part", textPart(text)));
      ObjectNode finished = messageItem(text, "completed").put("id", itemId);
      send.accept("response.output_item.done", JSON.createObjectNode().put("output_index", 0).set("item", finished));
      ObjectNode done = responseObject(body, id, "completed");
      ((ArrayNode) done.get("output")).add(finished);
      done.set("usage", responsesUsage(text));
      send.accept("response.completed", JSON.createObjectNode().set("response", done));
      resp.end();
    };
  }

  private static ObjectNode responseObject(JsonNode req, String id, String status) {
    ObjectNode r = JSON.createObjectNode().put("id", id).put("object", "response").put("created_at", 1_700_000_000L)
        .put("status", status).putNull("error").putNull("incomplete_details");
    r.set("instructions", req.path("instructions").isTextual() ? req.get("instructions") : JSON.nullNode());
    r.put("model", req.path("model").asText() + "-2025-01-01");
    r.putArray("output");
    r.put("parallel_tool_calls", true).putNull("previous_response_id").put("store", req.path("store").asBoolean(true))
        .put("temperature", 1.0).put("tool_choice", "auto").put("top_p", 1.0).putNull("usage");
    r.putArray("tools");
    r.putObject("metadata");
    return r;
  }

  private static ObjectNode messageItem(String text, String status) {
    ObjectNode item = JSON.createObjectNode().put("id", "msg_fake" + Long.toHexString(System.nanoTime()))
        .put("type", "message").put("status", status).put("role", "assistant");
    item.putArray("content").add(textPart(text));
    return item;
  }

  private static ObjectNode textPart(String text) {
    ObjectNode part = JSON.createObjectNode().put("type", "output_text");
    part.putArray("annotations");
    part.putArray("logprobs");
    return part.put("text", text);
  }

  private static ObjectNode itemEvent(String itemId) {
    return JSON.createObjectNode().put("item_id", itemId).put("output_index", 0).put("content_index", 0);
  }

  private static ObjectNode responsesUsage(String text) {
    ObjectNode u = JSON.createObjectNode().put("input_tokens", 11);
    u.putObject("input_tokens_details").put("cached_tokens", 0);
    u.put("output_tokens", text.split(" ").length);
    u.putObject("output_tokens_details").put("reasoning_tokens", 0);
    return u.put("total_tokens", 11 + text.split(" ").length);
  }

  public static String errorBody(String message, String type, String code) {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
    return e.toString();
  }

  private static String completion(JsonNode req, String text) {
    ObjectNode out = JSON.createObjectNode().put("id", "chatcmpl-fake").put("object", "chat.completion")
        .put("created", 1_700_000_000L).put("model", req.path("model").asText());
    ObjectNode choice = out.putArray("choices").addObject().put("index", 0);
    choice.putObject("message").put("role", "assistant").put("content", text).putNull("refusal");
    choice.putNull("logprobs");
    choice.put("finish_reason", "stop");
    out.putObject("usage").put("prompt_tokens", 7).put("completion_tokens", 4).put("total_tokens", 11);
    return out.toString();
  }

  private static String embeddings(JsonNode req) {
    ObjectNode out = JSON.createObjectNode().put("object", "list");
    ArrayNode vec = out.putArray("data").addObject().put("object", "embedding").put("index", 0)
        .putArray("embedding");
    vec.add(0.6).add(0.8);
    out.put("model", req.path("model").asText());
    out.putObject("usage").put("prompt_tokens", 3).put("total_tokens", 3);
    return out.toString();
  }

  private static HttpServerResponse startStream(HttpServerRequest req) {
    return req.response().setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
  }

  /** Content events w0..w(n-1), the finish event, the usage event if asked, [DONE]. */
  private static List<String> streamEvents(JsonNode req, int chunks) {
    String model = req.path("model").asText();
    boolean usage = req.path("stream_options").path("include_usage").asBoolean(false);
    List<String> events = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      ObjectNode c = chunk(model, usage);
      ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (i == 0) {
        delta.put("role", "assistant");
      }
      delta.put("content", "w" + i + " ");
      choice.putNull("logprobs").putNull("finish_reason");
      events.add(event(c));
    }
    ObjectNode last = chunk(model, usage);
    ObjectNode choice = last.putArray("choices").addObject().put("index", 0);
    choice.putObject("delta");
    choice.putNull("logprobs").put("finish_reason", "stop");
    events.add(event(last));
    if (usage) {
      ObjectNode u = chunk(model, false);
      u.putArray("choices");
      u.putObject("usage").put("prompt_tokens", 7).put("completion_tokens", chunks).put("total_tokens", 7 + chunks);
      events.add(event(u));
    }
    events.add("data: [DONE]\n\n");
    return events;
  }

  private static ObjectNode chunk(String model, boolean nullUsage) {
    ObjectNode c = JSON.createObjectNode().put("id", "chatcmpl-fake").put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000L).put("model", model);
    if (nullUsage) {
      c.putNull("usage");
    }
    return c;
  }

  private static String event(JsonNode chunk) {
    return "data: " + chunk + "\n\n";
  }
}

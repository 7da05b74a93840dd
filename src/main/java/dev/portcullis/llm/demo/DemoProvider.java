package dev.portcullis.llm.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A built-in model provider that needs no API key: a real HTTP server speaking OpenAI's wire
 * format (plain and streamed chat completions, tool calls, logprobs, n, embeddings, usage, and
 * OpenAI-shaped errors). The demo configuration routes to it, and benchmarks use it as the fast
 * local upstream, so the gateway reaches it exactly as it reaches a real provider.
 */
public final class DemoProvider {
  private static final String FINGERPRINT = "fp_portcullis_demo";

  private final ObjectMapper json = new ObjectMapper();
  private final TokenCounter tokens;
  private HttpServer server;

  public DemoProvider(TokenCounter tokens) {
    this.tokens = tokens;
  }

  /** Starts listening; port 0 picks a free port. */
  public Future<DemoProvider> start(Vertx vertx, String host, int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true));
    return server.requestHandler(this::handle).listen().map(s -> this);
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (req.method().name().equals("GET") && path.equals("/v1/models")) {
      req.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end("{\"object\":\"list\",\"data\":[{\"id\":\"demo-1\",\"object\":\"model\",\"created\":0,"
              + "\"owned_by\":\"portcullis\"}]}");
      return;
    }
    if (!req.method().name().equals("POST")
        || !path.equals("/v1/chat/completions") && !path.equals("/v1/embeddings")) {
      error(req.response(), 404, "invalid_request_error", "unknown_url",
          "Invalid URL (" + req.method() + " " + path + ")");
      return;
    }
    req.body().onSuccess(body -> {
      JsonNode tree;
      try {
        tree = json.readTree(body.getBytes());
      } catch (IOException e) {
        error(req.response(), 400, "invalid_request_error", null, "We could not parse the JSON body of your request.");
        return;
      }
      if (!(tree instanceof ObjectNode obj)) {
        error(req.response(), 400, "invalid_request_error", null, "The request body must be a JSON object.");
        return;
      }
      if (path.endsWith("/embeddings")) {
        embeddings(req.response(), obj);
      } else {
        chat(req.response(), obj);
      }
    });
  }

  private void chat(HttpServerResponse resp, ObjectNode body) {
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      error(resp, 400, "invalid_request_error", null, "'messages' must be a non-empty array.");
      return;
    }
    String model = body.path("model").asText("demo");
    int n = Math.max(1, body.path("n").asInt(1));
    List<DemoReplies.ToolCall> calls = DemoReplies.toolCalls(json, body);
    boolean calling = !calls.isEmpty();
    List<String> pieces = calling ? List.of() : words(DemoReplies.text(json, body));
    long maxTokens = body.path("max_completion_tokens").asLong(body.path("max_tokens").asLong(0));
    String finish = calling ? "tool_calls" : "stop";
    if (maxTokens > 0 && pieces.size() > maxTokens) {
      pieces = pieces.subList(0, (int) maxTokens);
      finish = "length";
    }
    String text = String.join("", pieces);
    boolean logprobs = body.path("logprobs").asBoolean(false);
    long prompt = tokens.countPrompt(model, body);
    long completion = n * (calling ? tokens.count(model, callsText(calls)) : tokens.count(model, text));
    String id = "chatcmpl-demo" + shortHash(body.toString());
    long created = System.currentTimeMillis() / 1000;

    if (body.path("stream").asBoolean(false)) {
      boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
      stream(resp, id, created, model, n, pieces, calls, finish, logprobs, includeUsage, prompt, completion);
      return;
    }
    ObjectNode out = header(id, "chat.completion", created, model);
    ArrayNode choices = out.putArray("choices");
    for (int i = 0; i < n; i++) {
      ObjectNode choice = choices.addObject().put("index", i);
      ObjectNode message = choice.putObject("message").put("role", "assistant");
      if (calling) {
        message.putNull("content");
        ArrayNode toolCalls = message.putArray("tool_calls");
        calls.forEach(c -> toolCallJson(toolCalls.addObject(), c, true));
      } else {
        message.put("content", text);
      }
      message.putNull("refusal");
      message.putArray("annotations");
      if (logprobs && !calling) {
        logprobsJson(choice.putObject("logprobs"), pieces);
      } else {
        choice.putNull("logprobs");
      }
      choice.put("finish_reason", finish);
    }
    usageJson(out.putObject("usage"), prompt, completion);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out.toString());
  }

  private void stream(HttpServerResponse resp, String id, long created, String model, int n, List<String> pieces,
      List<DemoReplies.ToolCall> calls, String finish, boolean logprobs, boolean includeUsage, long prompt,
      long completion) {
    resp.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    Buffer out = Buffer.buffer(256 * (pieces.size() + 4));
    for (int i = 0; i < n; i++) {
      ObjectNode first = chunk(id, created, model, includeUsage);
      ObjectNode delta = choiceChunk(first, i).putObject("delta").put("role", "assistant");
      if (!calls.isEmpty()) {
        delta.putNull("content");
        toolCallJson(delta.putArray("tool_calls").addObject().put("index", 0), calls.get(0), false);
      } else {
        delta.put("content", "");
      }
      delta.putNull("refusal");
      event(out, first);
      for (int c = 0; c < calls.size(); c++) {
        if (c > 0) { // each further call starts with its id and name, as OpenAI streams parallel calls
          ObjectNode start = chunk(id, created, model, includeUsage);
          toolCallJson(choiceChunk(start, i).putObject("delta").putArray("tool_calls").addObject().put("index", c),
              calls.get(c), false);
          event(out, start);
        }
        ObjectNode args = chunk(id, created, model, includeUsage);
        ObjectNode tc = choiceChunk(args, i).putObject("delta").putArray("tool_calls").addObject().put("index", c);
        tc.putObject("function").put("arguments", calls.get(c).arguments());
        event(out, args);
      }
      for (String piece : pieces) {
        ObjectNode c = chunk(id, created, model, includeUsage);
        ObjectNode choice = choiceChunk(c, i);
        choice.putObject("delta").put("content", piece);
        if (logprobs) {
          logprobsJson(choice.putObject("logprobs"), List.of(piece));
        }
        event(out, c);
      }
      ObjectNode last = chunk(id, created, model, includeUsage);
      ObjectNode lastChoice = last.putArray("choices").addObject().put("index", i);
      lastChoice.putObject("delta");
      lastChoice.putNull("logprobs");
      lastChoice.put("finish_reason", finish);
      event(out, last);
    }
    if (includeUsage) {
      ObjectNode u = header(id, "chat.completion.chunk", created, model);
      u.putArray("choices");
      usageJson(u.putObject("usage"), prompt, completion);
      event(out, u);
    }
    out.appendString("data: [DONE]\n\n");
    resp.end(out);
  }

  private void embeddings(HttpServerResponse resp, ObjectNode body) {
    JsonNode input = body.get("input");
    List<String> inputs = new ArrayList<>();
    if (input != null && input.isTextual()) {
      inputs.add(input.textValue());
    } else if (input != null && input.isArray() && !input.isEmpty()) {
      for (JsonNode item : input) {
        inputs.add(item.isTextual() ? item.textValue() : item.toString());
      }
    } else {
      error(resp, 400, "invalid_request_error", null, "'input' must be a string or a non-empty array.");
      return;
    }
    int dims = Math.max(1, Math.min(4096, body.path("dimensions").asInt(16)));
    boolean base64 = "base64".equals(body.path("encoding_format").asText("float"));
    String model = body.path("model").asText("demo");
    ObjectNode out = json.createObjectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    long prompt = 0;
    for (int i = 0; i < inputs.size(); i++) {
      float[] v = vector(inputs.get(i), dims);
      ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
      if (base64) {
        ByteBuffer bb = ByteBuffer.allocate(4 * dims).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
          bb.putFloat(f);
        }
        e.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
      } else {
        ArrayNode arr = e.putArray("embedding");
        for (float f : v) {
          arr.add(f);
        }
      }
      prompt += tokens.count(model, inputs.get(i));
    }
    out.put("model", model);
    out.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
    resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(out.toString());
  }

  /** A unit vector derived from the text's SHA-256, so equal texts embed equally. */
  private static float[] vector(String text, int dims) {
    byte[] seed = sha256(text.getBytes(StandardCharsets.UTF_8));
    float[] v = new float[dims];
    double norm = 0;
    for (int i = 0; i < dims; i++) {
      v[i] = (seed[i % seed.length] + (i / seed.length) * 31 % 256 - 128) / 128f;
      norm += v[i] * v[i];
    }
    float scale = norm == 0 ? 1 : (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dims; i++) {
      v[i] *= scale;
    }
    return v;
  }

  private ObjectNode header(String id, String object, long created, String model) {
    return json.createObjectNode().put("id", id).put("object", object).put("created", created)
        .put("model", model).put("system_fingerprint", FINGERPRINT);
  }

  private ObjectNode chunk(String id, long created, String model, boolean includeUsage) {
    ObjectNode c = header(id, "chat.completion.chunk", created, model);
    if (includeUsage) {
      c.putNull("usage");
    }
    return c;
  }

  private static ObjectNode choiceChunk(ObjectNode chunk, int index) {
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
    choice.putNull("logprobs");
    choice.putNull("finish_reason");
    return choice;
  }

  private static void toolCallJson(ObjectNode target, DemoReplies.ToolCall call, boolean withArguments) {
    target.put("id", call.id()).put("type", "function");
    target.putObject("function").put("name", call.name()).put("arguments", withArguments ? call.arguments() : "");
  }

  private static String callsText(List<DemoReplies.ToolCall> calls) {
    StringBuilder sb = new StringBuilder();
    calls.forEach(c -> sb.append(c.name()).append(c.arguments()));
    return sb.toString();
  }

  private static void logprobsJson(ObjectNode target, List<String> pieces) {
    ArrayNode content = target.putArray("content");
    for (String p : pieces) {
      ObjectNode t = content.addObject().put("token", p).put("logprob", -0.01);
      ArrayNode bytes = t.putArray("bytes");
      for (byte b : p.getBytes(StandardCharsets.UTF_8)) {
        bytes.add(b & 0xFF);
      }
      t.putArray("top_logprobs");
    }
    target.putNull("refusal");
  }

  private static void usageJson(ObjectNode u, long prompt, long completion) {
    u.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
    u.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
    u.putObject("completion_tokens_details").put("reasoning_tokens", 0).put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0).put("rejected_prediction_tokens", 0);
  }

  private static void event(Buffer out, ObjectNode chunk) {
    out.appendString("data: ").appendString(chunk.toString()).appendString("\n\n");
  }

  /** Splits text into stream pieces: each word with the space before it. */
  private static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 1; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == ' ') {
        out.add(text.substring(start, i));
        start = i;
      }
    }
    return out;
  }

  private void error(HttpServerResponse resp, int status, String type, String code, String message) {
    ObjectNode e = json.createObjectNode();
    e.putObject("error").put("message", message).put("type", type).putNull("param").put("code", code);
    resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(e.toString());
  }

  private static String shortHash(String s) {
    byte[] h = sha256(s.getBytes(StandardCharsets.UTF_8));
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      sb.append(String.format("%02x", h[i]));
    }
    return sb.toString();
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

package dev.portcullis.llm.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A provider's HTTP API faked on a local port: records every request and answers with what the
 * test's function returns (recorded fixtures, whole or in several chunks).
 */
public final class FakeProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as the fake received it. */
  public record Received(String method, String uri, MultiMap headers, Buffer body) {
    public JsonNode json() {
      try {
        return JSON.readTree(body.getBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    public String path() {
      int q = uri.indexOf('?');
      return q < 0 ? uri : uri.substring(0, q);
    }
  }

  /** An answer: status, content type, and the body in the chunks it is written in. */
  public record Reply(int status, String contentType, List<Buffer> chunks, MultiMap headers) {
    public static Reply json(int status, String body) {
      return new Reply(status, "application/json", List.of(Buffer.buffer(body)), MultiMap.caseInsensitiveMultiMap());
    }

    /** Server-sent events written one event per chunk, as providers flush them. */
    public static Reply sse(String events) {
      List<Buffer> chunks = new java.util.ArrayList<>();
      for (String e : events.split("(?<=\n\n)|(?<=\r\n\r\n)")) {
        chunks.add(Buffer.buffer(e));
      }
      return new Reply(200, "text/event-stream", chunks, MultiMap.caseInsensitiveMultiMap());
    }

    public Reply header(String name, String value) {
      headers.add(name, value);
      return this;
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  public FakeProvider(Function<Received, Reply> answer) throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      Received r = new Received(req.method().name(), req.uri(), MultiMap.caseInsensitiveMultiMap()
          .addAll(req.headers()), body);
      received.add(r);
      Reply reply;
      try {
        reply = answer.apply(r);
      } catch (RuntimeException | AssertionError e) {
        reply = Reply.json(599, "{\"fake_error\":\"" + e.getMessage().replace("\"", "'") + "\"}");
      }
      var resp = req.response().setStatusCode(reply.status()).putHeader("content-type", reply.contentType());
      resp.headers().addAll(reply.headers());
      if (reply.chunks().size() == 1) {
        resp.end(reply.chunks().get(0));
      } else {
        resp.setChunked(true);
        for (Buffer c : reply.chunks()) {
          resp.write(c);
        }
        resp.end();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public List<Received> received() {
    return received;
  }

  public Received last() {
    return received.get(received.size() - 1);
  }

  public void reset() {
    received.clear();
  }

  /** A test resource as text. */
  public static String fixture(String path) {
    try (InputStream in = FakeProvider.class.getResourceAsStream("/fixtures/" + path)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + path);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A test resource as bytes. */
  public static byte[] fixtureBytes(String path) {
    try (InputStream in = FakeProvider.class.getResourceAsStream("/fixtures/" + path)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

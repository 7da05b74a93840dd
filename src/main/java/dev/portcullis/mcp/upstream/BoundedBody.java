package dev.portcullis.mcp.upstream;

import dev.portcullis.mcp.protocol.McpError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * The body of an MCP upstream's HTTP answer, read up to a cap ({@code server.max_response_bytes}).
 * The client's own {@code body()} buffers whatever arrives: one upstream answering without end (or
 * with gigabytes) would take the gateway's memory, and every client with it. Over the cap the
 * request is reset and the read fails as the upstream being unavailable.
 */
final class BoundedBody {
  private BoundedBody() {}

  /** Must be called before the response's first chunk can be delivered (in the send callback). */
  static Future<Buffer> read(HttpClientResponse resp, long maxBytes, String upstream) {
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(chunk -> {
      if (done.future().isComplete()) {
        return;
      }
      if (body.length() + (long) chunk.length() > maxBytes) {
        done.tryFail(new McpError(McpError.UPSTREAM_UNAVAILABLE, "upstream '" + upstream
            + "' answered with a body larger than " + maxBytes + " bytes (server.max_response_bytes)"));
        resp.request().reset();
        return;
      }
      body.appendBuffer(chunk);
    });
    resp.exceptionHandler(done::tryFail);
    resp.endHandler(v -> done.tryComplete(body));
    return done.future();
  }
}

package dev.portcullis.mcp.downstream;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayDeque;

/**
 * One SSE stream of a session: every event gets an id {@code <stream>.<seq>} and is kept in a
 * bounded log so that a client that lost the connection can resume with {@code Last-Event-ID}.
 * The connection currently attached (if any) receives events as they are sent.
 */
public final class SseStream {
  private static final int LOG_LIMIT = 256;

  private final String id;
  private final ArrayDeque<Event> log = new ArrayDeque<>();
  private HttpServerResponse out;
  private long seq;
  private boolean finished;

  private record Event(long seq, String text) {}

  SseStream(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** Opens an SSE response and attaches it; replays events after {@code afterSeq} (-1: none). */
  public synchronized void attach(HttpServerResponse response, long afterSeq, boolean prime) {
    if (!response.headWritten()) {
      response.setStatusCode(200)
          .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache, no-transform")
          .putHeader("x-accel-buffering", "no")
          .setChunked(true);
    }
    if (out != null && out != response && !out.ended()) {
      out.end(); // one connection per stream
    }
    out = response;
    response.closeHandler(v -> detach(response));
    if (afterSeq >= 0) {
      for (Event e : log) {
        if (e.seq > afterSeq) {
          response.write(e.text);
        }
      }
    } else if (prime) {
      // An event id with empty data lets the client resume even before the first message. No
      // "retry:" line: the gateway does not close streams early, and the MCP Java SDK 1.1 rejects it.
      response.write("id: " + id + "." + seq + "\ndata: \n\n");
    }
    if (finished) {
      response.end();
      out = null;
    } else {
      response.write(Buffer.buffer()); // flush headers now
    }
  }

  private synchronized void detach(HttpServerResponse response) {
    if (out == response) {
      out = null;
    }
  }

  /** Sends one JSON-RPC message as an event (or only logs it while no connection is attached). */
  public synchronized void send(JsonNode message) {
    if (finished) {
      return;
    }
    seq++;
    String text = "id: " + id + "." + seq + "\nevent: message\ndata: " + message + "\n\n";
    log.addLast(new Event(seq, text));
    if (log.size() > LOG_LIMIT) {
      log.removeFirst();
    }
    if (out != null && !out.closed()) {
      out.write(text);
    }
  }

  /** Sends a comment line that keeps idle proxies from closing the connection. */
  public synchronized void keepAlive() {
    if (out != null && !out.closed() && !finished) {
      out.write(": keep-alive\n\n");
    }
  }

  /** Ends the stream: the attached connection is closed and no more events are accepted. */
  public synchronized void finish() {
    finished = true;
    if (out != null && !out.ended()) {
      out.end();
    }
    out = null;
  }

  public synchronized boolean finished() {
    return finished;
  }

  public synchronized boolean connected() {
    return out != null;
  }
}

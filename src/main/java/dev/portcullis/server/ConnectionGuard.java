package dev.portcullis.server;

import dev.portcullis.config.GatewayConfig.ServerTimeoutsConfig;
import dev.portcullis.eventloop.Deadlines;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow and idle clients on one event loop's listener. Refuses connections over the caps of
 * {@link ConnectionLimits}, and closes a connection whose client keeps it waiting:
 *
 * <ul>
 *   <li>{@code header}: the first request head is not complete {@code header_read_ms} after accept;
 *   <li>{@code body}: a request body is not complete {@code body_read_ms} after its head (a total,
 *       so trickling a byte at a time does not help);
 *   <li>{@code idle}: a kept-alive connection has no complete next request head {@code idle_ms}
 *       after its last response ended.
 * </ul>
 *
 * <p>Nothing is timed while the gateway answers: a slow upstream, a long SSE stream or an MCP
 * stream are the gateway's own doing and have their own timeouts. That is why Vert.x's idle timeout
 * is not used: it counts reads and writes alike and so would close a connection whose client waits,
 * rightly silent, for a non-streamed answer that takes minutes.
 *
 * <p>Confined to one event loop: connections of this listener instance and their requests all run
 * on it, so the per-connection state needs no locks.
 */
final class ConnectionGuard {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long LOG_INTERVAL_MS = 10_000;

  private final Deadlines deadlines;
  private final ConnectionLimits limits;
  private final ServerTimeoutsConfig timeouts;
  private final GatewayMetrics metrics;
  private final Map<HttpConnection, Watched> watched = new HashMap<>();
  private final ThrottledLog refusals = new ThrottledLog(LOG_INTERVAL_MS);
  private final ThrottledLog slow = new ThrottledLog(LOG_INTERVAL_MS);

  /** Made on the listener's event loop: its clocks run there. */
  ConnectionGuard(Vertx vertx, ConnectionLimits limits, ServerTimeoutsConfig timeouts, GatewayMetrics metrics) {
    this.deadlines = Deadlines.here(vertx);
    this.limits = limits;
    this.timeouts = timeouts;
    this.metrics = metrics;
  }

  /** The listener's connection handler: admits or closes, then starts the header clock. */
  void accepted(HttpConnection conn) {
    String address = address(conn.remoteAddress());
    ConnectionLimits.Refusal refusal = limits.opened(address);
    if (refusal != null) {
      conn.close();
      metrics.connectionRefused(refusal.label);
      int events = refusals.count();
      if (events > 0) {
        LOG.atWarn().addKeyValue("reason", refusal.label).addKeyValue("address", address)
            .addKeyValue("connections_refused", events).log("client connections refused: over a connection cap");
      }
      return;
    }
    Watched w = new Watched(conn);
    watched.put(conn, w);
    // Nothing else sets the connection's close handler; if something did, the slot would leak.
    conn.closeHandler(v -> {
      w.closed = true;
      if (w.current != null && !w.current.response().ended()) {
        w.abandoned.run(); // the client left mid-answer: the response's own close handler may be taken
      }
      w.disarm();
      watched.remove(conn);
      limits.closed(address);
    });
    w.arm(Phase.HEADER, timeouts.headerReadMs());
  }

  /**
   * A request head arrived (the first route handler calls this): starts the body clock.
   *
   * @param abandoned run if the connection closes before this request's response ended
   */
  void requestStarted(RoutingContext ctx, Runnable abandoned) {
    HttpServerRequest req = ctx.request();
    Watched w = watched.get(req.connection());
    if (w == null) {
      return; // not a connection this guard admitted (none exist today: every one passes accepted)
    }
    w.current = req;
    w.abandoned = abandoned;
    w.arm(Phase.BODY, timeouts.bodyReadMs());
    ctx.addEndHandler(ended -> responseEnded(w, req));
  }

  private void responseEnded(Watched w, HttpServerRequest req) {
    if (w.closed || w.current != req) {
      return;
    }
    if (req.isEnded()) {
      w.arm(Phase.IDLE, timeouts.idleMs());
    } // else answered before the body arrived (401, 413): the body clock keeps running
  }

  private void expired(Watched w, Phase phase) {
    w.timer = null;
    if (w.closed) {
      return;
    }
    if (phase == Phase.BODY && w.current.isEnded()) {
      if (w.current.response().ended()) { // the answer ended before the body did
        w.arm(Phase.IDLE, timeouts.idleMs());
      }
      return; // the gateway is answering: not the client's wait
    }
    w.conn.close();
    metrics.connectionTimedOut(phase.label);
    if (phase != Phase.IDLE) { // idle keep-alive connections closing is routine, not news
      int events = slow.count();
      if (events > 0) {
        LOG.atInfo().addKeyValue("phase", phase.label).addKeyValue("address", address(w.conn.remoteAddress()))
            .addKeyValue("connections_closed", events).log("slow client connections closed");
      }
    }
  }

  private static String address(SocketAddress a) {
    if (a == null) {
      return "unknown";
    }
    return a.hostAddress() != null ? a.hostAddress() : String.valueOf(a.host());
  }

  private enum Phase {
    HEADER("header"), BODY("body"), IDLE("idle");

    final String label;

    Phase(String label) {
      this.label = label;
    }
  }

  /** One admitted connection: at most one clock running, and the request it is on. */
  private final class Watched {
    final HttpConnection conn;
    HttpServerRequest current;
    Runnable abandoned;
    Deadlines.Deadline timer;
    boolean closed;

    Watched(HttpConnection conn) {
      this.conn = conn;
    }

    void arm(Phase phase, long millis) {
      disarm();
      timer = deadlines.after(millis, () -> expired(this, phase));
    }

    void disarm() {
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }
  }
}

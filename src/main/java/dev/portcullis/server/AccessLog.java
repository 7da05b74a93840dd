package dev.portcullis.server;

import dev.portcullis.identity.Principal;
import dev.portcullis.telemetry.AccessRecord;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured JSON line per request on every route, written once when the response ends or
 * the client goes away (the appender is asynchronous). Probes and scrapes ({@code /healthz},
 * {@code /readyz}, {@code /metrics}) are left out: they come every few seconds and say nothing
 * about traffic. Refusals are counted in {@code portcullis_refusals_total} whether or not the log
 * is on. Shared by every event loop; holds no per-request state.
 */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.access");
  /** What the client is taken to have seen when it left before the answer ended (as in metrics). */
  private static final int CLIENT_CLOSED = 499;

  private final boolean enabled;
  private final GatewayMetrics metrics;

  public AccessLog(boolean enabled, GatewayMetrics metrics) {
    this.enabled = enabled && LOG.isInfoEnabled();
    this.metrics = metrics;
  }

  /**
   * Starts the request's record (the first route's handler calls this).
   *
   * @return what ends the record when the connection closes before the response ended
   */
  Runnable start(RoutingContext ctx) {
    Ending end = new Ending(ctx);
    AccessRecord rec = new AccessRecord(end);
    end.rec = rec;
    ctx.put(AccessRecord.KEY, rec);
    HttpServerResponse response = ctx.response();
    ctx.addHeadersEndHandler(v -> {
      String code = response.headers().get(AccessRecord.CODE_HEADER);
      if (code != null) {
        rec.code(code);
        response.headers().remove(AccessRecord.CODE_HEADER);
      }
    });
    ctx.addEndHandler(ar -> end.run());
    return end;
  }

  private void write(RoutingContext ctx, AccessRecord rec) {
    HttpServerResponse response = ctx.response();
    boolean ended = response.ended();
    int status = ended ? response.getStatusCode() : CLIENT_CLOSED;
    String outcome = rec.outcome(status, ended);
    String path = ctx.request().path();
    if (outcome.startsWith(AccessRecord.REFUSED)) {
      metrics.refusal(surface(path), outcome.substring(AccessRecord.REFUSED.length()));
    }
    if (!enabled || path.equals("/healthz") || path.equals("/readyz") || path.equals("/metrics")) {
      return;
    }
    Long start = ctx.get(GatewayVerticle.START_NANOS);
    String requestId = ctx.get(GatewayVerticle.REQUEST_ID);
    Principal p = ctx.get(GatewayVerticle.PRINCIPAL);
    var line = LOG.atInfo()
        .addKeyValue("request_id", requestId)
        .addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", path)
        .addKeyValue("status", status)
        .addKeyValue("outcome", outcome)
        .addKeyValue("duration_ms", start == null ? null : (System.nanoTime() - start) / 1_000_000.0)
        .addKeyValue("principal", p == null ? null : p.id()) // an id, never the credential
        .addKeyValue("bytes_in", ctx.request().bytesRead())
        .addKeyValue("bytes_out", response.bytesWritten());
    if (rec.model() != null) {
      line = line.addKeyValue("model", rec.model()).addKeyValue("deployment", rec.deployment())
          .addKeyValue("prompt_tokens", rec.promptTokens()).addKeyValue("completion_tokens", rec.completionTokens());
    }
    if (rec.mcpMethod() != null) {
      line = line.addKeyValue("mcp_method", rec.mcpMethod()).addKeyValue("mcp_name", rec.mcpName());
    }
    line.log("request");
  }

  /** Writes the record once, whichever comes first: the response's end, or the client leaving. */
  private final class Ending implements Runnable {
    private final RoutingContext ctx;
    private AccessRecord rec;
    private boolean written;

    Ending(RoutingContext ctx) {
      this.ctx = ctx;
    }

    @Override
    public void run() {
      if (!written && !rec.awaitingCall()) {
        written = true;
        write(ctx, rec);
      }
    }
  }

  /** The surface a path belongs to, as the refusal metric labels it. */
  static String surface(String path) {
    if (path.startsWith("/v1/messages")) {
      return "anthropic";
    }
    if (path.startsWith("/v1/")) {
      return "openai";
    }
    if (path.equals("/mcp") || path.startsWith("/mcp/")) {
      return "mcp";
    }
    if (path.startsWith("/admin/")) {
      return "admin";
    }
    return "other";
  }
}

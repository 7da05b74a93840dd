package dev.portcullis.server;

import dev.portcullis.cluster.Cluster;
import dev.portcullis.llm.ErrorResponder;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Refuses governed requests (LLM and MCP calls) while the cluster's shared state is unreachable
 * and the cluster fails closed: a 503 in the shape of the surface called, with Retry-After, so
 * clients retry and balancers (which see /readyz fail too) send them to a healthy replica.
 */
final class ClusterGate implements Handler<RoutingContext> {
  static final String CODE = "cluster_unavailable";
  private static final String MESSAGE = "The gateway cannot reach the state its replicas share (Redis) and"
      + " refuses governed requests until it can (cluster.fail: closed). Retry shortly.";

  private final Cluster cluster;
  private final ErrorResponder openai;
  private final ErrorResponder anthropic;

  ClusterGate(Cluster cluster, ErrorResponder openai, ErrorResponder anthropic) {
    this.cluster = cluster;
    this.openai = openai;
    this.anthropic = anthropic;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    boolean mcp = path.equals("/mcp") || path.startsWith("/mcp/");
    boolean messages = path.startsWith("/v1/messages");
    if (cluster.admits(mcp ? "mcp" : messages ? "anthropic" : "openai")) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("retry-after", "1");
    if (mcp) {
      dev.portcullis.mcp.downstream.McpHttpEndpoint.httpError(ctx.response(), 503, dev.portcullis.mcp.protocol.McpError.CLUSTER_UNAVAILABLE,
          MESSAGE);
    } else {
      (messages ? anthropic : openai).respond(ctx.response(), 503, "service_unavailable", CODE, MESSAGE);
    }
  }
}

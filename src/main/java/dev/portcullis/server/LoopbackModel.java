package dev.portcullis.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.agent.ModelStep;
import dev.portcullis.agent.StepRefused;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;

/**
 * A tool loop's model calls, sent to the gateway's own listener on loopback with the caller's
 * credential: each step passes the whole route table a client's request passes (authentication,
 * persona, model policy, guard, key and team limits, budget reservation and settlement, audit,
 * access log, tracing as a child of the loop's trace), so a loop can skip none of them.
 */
final class LoopbackModel implements ModelStep {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final String host;
  private final int port;
  private final String path;
  private final MultiMap headers;
  private HttpClientRequest inFlight;
  private boolean cancelled;

  /**
   * @param headers what each step sends: the caller's credential and persona, the loop's traceparent
   */
  LoopbackModel(HttpClient http, String host, int port, String path, MultiMap headers) {
    this.http = http;
    this.host = host;
    this.port = port;
    this.path = path;
    this.headers = headers;
  }

  @Override
  public Future<ObjectNode> call(ObjectNode request) {
    if (cancelled) {
      return Future.failedFuture("cancelled");
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
        .setURI(path).setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(headers))
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    return http.request(options).compose(req -> {
      inFlight = req;
      return req.send(Buffer.buffer(request.toString()));
    }).compose(resp -> resp.body().map(body -> {
      inFlight = null;
      if (resp.statusCode() != 200) {
        throw new StepRefused(resp.statusCode(), body.toString());
      }
      return parse(body);
    }));
  }

  private static ObjectNode parse(Buffer body) {
    try {
      JsonNode n = JSON.readTree(body.getBytes());
      if (n instanceof ObjectNode o) {
        return o;
      }
    } catch (IOException e) {
      // falls through
    }
    throw new IllegalStateException("a model step's answer was not a JSON object");
  }

  @Override
  public void cancel() {
    cancelled = true;
    HttpClientRequest r = inFlight;
    if (r != null) {
      r.reset(); // the step's own handler sees its client gone and releases what it reserved
    }
  }
}

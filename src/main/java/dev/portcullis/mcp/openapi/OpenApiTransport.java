package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.McpConfig.McpServerConfig;
import dev.portcullis.mcp.upstream.Transport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport of an {@code openapi} upstream: on first open it loads the description (off the
 * event loop) and builds the tools; messages then go to the in-process {@link OpenApiServer}. A
 * description that cannot be loaded fails the open, and the client retries with backoff.
 */
public final class OpenApiTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(OpenApiTransport.class);

  private final Vertx vertx;
  private final HttpClient http;
  private final String key;
  private final McpServerConfig config;
  private final ObjectMapper json;
  private volatile OpenApiServer server;
  private volatile Sink sink;

  public OpenApiTransport(Vertx vertx, HttpClient http, String key, McpServerConfig config, ObjectMapper json) {
    this.vertx = vertx;
    this.http = http;
    this.key = key;
    this.config = config;
    this.json = json;
  }

  @Override
  public Future<Void> open(Sink s) {
    if (server != null) {
      this.sink = s;
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> build(vertx, http, key, config, json), false).map(built -> {
      server = built;
      sink = s;
      LOG.atInfo().addKeyValue("upstream", key).addKeyValue("tools", built.tools().size())
          .addKeyValue("spec", config.spec()).log("OpenAPI upstream loaded");
      return null;
    });
  }

  /** Loads the description and assembles the server (blocking). */
  static OpenApiServer build(Vertx vertx, HttpClient http, String key, McpServerConfig c, ObjectMapper json)
      throws SpecLoader.SpecException {
    SsrfGuard guard = new SsrfGuard(c.allowPrivateAddresses());
    SpecLoader.Spec spec = SpecLoader.load(c.spec(), guard, c.allowPrivateAddresses().all()
        || !c.allowPrivateAddresses().networks().isEmpty());
    List<OperationTool> tools;
    try {
      tools = ToolSelection.apply(ToolMapper.map(spec), c.include(), c.exclude(), c.tools());
    } catch (IllegalArgumentException e) {
      throw new SpecLoader.SpecException(e.getMessage());
    }
    Set<String> credentialHeaders = new HashSet<>(Set.of("authorization", "cookie", "proxy-authorization"));
    if (c.auth() != null && "api_key".equals(c.auth().type()) && !"query".equalsIgnoreCase(c.auth().in())) {
      credentialHeaders.add((c.auth().name() == null ? "X-API-Key" : c.auth().name()).toLowerCase(Locale.ROOT));
    }
    HttpExecutor executor = new HttpExecutor(vertx, http, guard, c.timeoutMs(), c.maxResponseBytes(), c.retries(),
        Set.copyOf(credentialHeaders));
    return new OpenApiServer(key, spec.title(), tools, new RequestBuilder(c.baseUrl(), json),
        new UpstreamAuth(c.auth(), json), executor, new ResponseMapper(json), c.maxResponseBytes());
  }

  @Override
  public Future<Void> send(com.fasterxml.jackson.databind.node.ObjectNode message) {
    OpenApiServer s = server;
    Sink out = sink;
    if (s != null && out != null) {
      s.handle(message.deepCopy(), out::message);
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> close() {
    sink = null;
    return Future.succeededFuture();
  }

  @Override
  public String describe() {
    return "openapi:" + key;
  }
}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.McpServerConfig;
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
  private final McpServerConfig.OpenApi config;
  private final ObjectMapper json;
  private final dev.portcullis.mcp.upstream.HeaderSource credential;
  private final Set<String> credentialHeaders;
  private volatile OpenApiServer server;
  private volatile Future<OpenApiServer> loading;
  private volatile Sink sink;

  public OpenApiTransport(Vertx vertx, HttpClient http, String key, McpServerConfig.OpenApi config, ObjectMapper json) {
    this(vertx, http, key, config, json, null, Set.of());
  }

  /**
   * @param credential a credential of the shared model every call carries (static, client
   *     credentials), or null (none, the openapi types of {@link UpstreamAuth}, or per-user:
   *     then each user's {@link #forUser} view carries theirs)
   * @param credentialHeaders the header names that credential sets (dropped on cross-origin redirects)
   */
  public OpenApiTransport(Vertx vertx, HttpClient http, String key, McpServerConfig.OpenApi config, ObjectMapper json,
      dev.portcullis.mcp.upstream.HeaderSource credential, Set<String> credentialHeaders) {
    this.vertx = vertx;
    this.http = http;
    this.key = key;
    this.config = config;
    this.json = json;
    this.credential = credential;
    this.credentialHeaders = credentialHeaders;
  }

  /** The server, loaded once (the description is read off the event loop). */
  private synchronized Future<OpenApiServer> loaded() {
    if (server != null) {
      return Future.succeededFuture(server);
    }
    if (loading == null) {
      loading = vertx.executeBlocking(() -> build(vertx, http, key, config, json, credentialHeaders), false)
          .andThen(ar -> {
            synchronized (this) {
              loading = null;
              if (ar.succeeded()) {
                server = ar.result();
                server.credential(credential);
                LOG.atInfo().addKeyValue("upstream", key).addKeyValue("tools", server.tools().size())
                    .addKeyValue("spec", config.spec()).log("OpenAPI upstream loaded");
              }
            }
          });
    }
    return loading;
  }

  @Override
  public Future<Void> open(Sink s) {
    return loaded().map(built -> {
      sink = s;
      return null;
    });
  }

  /**
   * A transport for one user's session on this upstream: the same loaded operations, every call
   * carrying that user's credential.
   */
  public dev.portcullis.mcp.upstream.Transport forUser(dev.portcullis.mcp.upstream.HeaderSource userCredential) {
    OpenApiTransport shared = this;
    return new dev.portcullis.mcp.upstream.Transport() {
      private volatile Sink userSink;

      @Override
      public Future<Void> open(Sink s) {
        return shared.loaded().map(x -> {
          userSink = s;
          return null;
        });
      }

      @Override
      public Future<Void> send(com.fasterxml.jackson.databind.node.ObjectNode message) {
        OpenApiServer srv = shared.server;
        Sink out = userSink;
        if (srv != null && out != null) {
          srv.handle(message.deepCopy(), out::message, userCredential);
        }
        return Future.succeededFuture();
      }

      @Override
      public boolean probesModern() {
        return false;
      }

      @Override
      public boolean supervised() {
        return false;
      }

      @Override
      public Future<Void> close() {
        userSink = null;
        return Future.succeededFuture();
      }

      @Override
      public String describe() {
        return "openapi:" + key + " (one user)";
      }
    };
  }

  /** Loads the description and assembles the server (blocking). */
  static OpenApiServer build(Vertx vertx, HttpClient http, String key, McpServerConfig.OpenApi c, ObjectMapper json)
      throws SpecLoader.SpecException {
    return build(vertx, http, key, c, json, Set.of());
  }

  static OpenApiServer build(Vertx vertx, HttpClient http, String key, McpServerConfig.OpenApi c, ObjectMapper json,
      Set<String> moreCredentialHeaders) throws SpecLoader.SpecException {
    SsrfGuard guard = new SsrfGuard(c.allowPrivateAddresses());
    SpecLoader.Spec spec = SpecLoader.load(c.spec(), SpecLoader.fetcher(vertx, http, guard, c.timeoutMs()));
    List<OperationTool> tools;
    try {
      tools = ToolSelection.apply(ToolMapper.map(spec), c.include(), c.exclude(), c.tools());
    } catch (IllegalArgumentException e) {
      throw new SpecLoader.SpecException(e.getMessage());
    }
    Set<String> credentialHeaders = new HashSet<>(Set.of("authorization", "cookie", "proxy-authorization"));
    credentialHeaders.addAll(moreCredentialHeaders);
    if (c.auth() != null && "api_key".equals(c.auth().type()) && !"query".equalsIgnoreCase(c.auth().in())) {
      credentialHeaders.add((c.auth().name() == null ? "X-API-Key" : c.auth().name()).toLowerCase(Locale.ROOT));
    }
    HttpExecutor executor = new HttpExecutor(vertx, http, guard, c.timeoutMs(), c.maxResponseBytes(), c.retries(),
        Set.copyOf(credentialHeaders));
    boolean own = c.auth() != null && UpstreamAuth.handles(c.auth().type());
    return new OpenApiServer(key, spec.title(), tools, new RequestBuilder(c.baseUrl(), json),
        new UpstreamAuth(own ? c.auth() : null, json), executor, new ResponseMapper(json), c.maxResponseBytes());
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

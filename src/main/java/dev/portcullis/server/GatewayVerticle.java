package dev.portcullis.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminApi;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.ClientKeyAuthenticator;
import dev.portcullis.identity.Principal;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.llm.LlmProxy;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One event loop's share of the gateway: its HTTP listener, its route table and its upstream
 * HTTP client. Several instances share the listening port. Wires things; holds no rules.
 */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final AnthropicErrors ANTHROPIC_ERRORS = new AnthropicErrors();
  static final String REQUEST_ID = "portcullis.requestId";
  static final String START_NANOS = "portcullis.startNanos";
  private static final String CHAT_COMPLETIONS = "/v1/chat/completions";
  private static final String EMBEDDINGS = "/v1/embeddings";
  private static final String MESSAGES = "/v1/messages";
  private static final String COUNT_TOKENS = "/v1/messages/count_tokens";
  /** The routes whose JSON body is parsed once, before persona grants and policy read it. */
  private static final List<String> OPENAI_BODY_ROUTES = List.of(CHAT_COMPLETIONS, EMBEDDINGS);
  private static final List<String> ANTHROPIC_BODY_ROUTES = List.of(MESSAGES, COUNT_TOKENS);

  private final GatewayConfig config;
  private final int port;
  private final ObjectMapper json;
  private final JsonBodies bodies;
  private final ModelCatalog catalog;
  private final GatewayMetrics metrics;
  private final CallObserver observer;
  private final ClientKeyAuthenticator authenticator;
  private final BooleanSupplier ready;
  private final KeyGate gate;
  private final AdminApi admin;
  private dev.portcullis.mcp.McpGateway mcp;
  private dev.portcullis.llm.guard.LlmGuard llmGuard;
  private AuditStep auditStep;
  private TraceStep traceStep;
  private dev.portcullis.identity.ResourceServer identity;
  private dev.portcullis.oauth.AuthorizationServer oauth;
  private AccessGate access;
  private dev.portcullis.identity.credentials.Connections connections;
  private ConnectionLimits connectionLimits;
  private dev.portcullis.ui.Console console;
  private HttpServer server;

  public GatewayVerticle(GatewayConfig config, int port, ObjectMapper json, JsonBodies bodies, ModelCatalog catalog,
      GatewayMetrics metrics, CallObserver observer, ClientKeyAuthenticator authenticator, BooleanSupplier ready) {
    this(config, port, json, bodies, catalog, metrics, observer, authenticator, ready, null, null);
  }

  /**
   * @param bodies the one parser of client JSON bodies
   * @param gate key limits and budgets on the LLM routes, or null (no store)
   * @param admin the admin API on /admin, or null (no store)
   */
  public GatewayVerticle(GatewayConfig config, int port, ObjectMapper json, JsonBodies bodies, ModelCatalog catalog,
      GatewayMetrics metrics, CallObserver observer, ClientKeyAuthenticator authenticator, BooleanSupplier ready,
      KeyGate gate, AdminApi admin) {
    this.gate = gate;
    this.admin = admin;
    this.config = config;
    this.port = port;
    this.json = json;
    this.bodies = bodies;
    this.catalog = catalog;
    this.metrics = metrics;
    this.observer = observer;
    this.authenticator = authenticator;
    this.ready = ready;
  }

  /** Audits the LLM routes (who called, and calls refused before the proxy); null for no audit trail. */
  public GatewayVerticle withAudit(dev.portcullis.audit.LlmAuditor auditor) {
    this.auditStep = auditor == null ? null : new AuditStep(auditor);
    return this;
  }

  /** Serves the web console on /ui; null for none (no store). */
  public GatewayVerticle withConsole(dev.portcullis.ui.Console console) {
    this.console = console;
    return this;
  }

  /** Traces the LLM routes (OpenTelemetry, GenAI conventions); null when tracing is off. */
  public GatewayVerticle withTracing(dev.portcullis.telemetry.LlmTracing tracing) {
    this.traceStep = tracing == null ? null : new TraceStep(tracing);
    return this;
  }

  /** Puts the guard (detectors, redaction, pseudonymisation) on the LLM routes; null for none. */
  public GatewayVerticle withGuard(dev.portcullis.llm.guard.LlmGuard guard) {
    this.llmGuard = guard;
    return this;
  }

  /** Serves the MCP gateway on /mcp and /mcp/{virtual-server} (shared by every instance). */
  public GatewayVerticle withMcp(dev.portcullis.mcp.McpGateway mcp) {
    this.mcp = mcp;
    return this;
  }

  /** Accepts OAuth bearer tokens on /mcp* (and /v1/* when configured) and serves RFC 9728 metadata. */
  public GatewayVerticle withIdentity(dev.portcullis.identity.ResourceServer identity) {
    this.identity = identity;
    return this;
  }

  /** Serves the built-in OAuth authorization server (metadata, /oauth/*); null for none. */
  public GatewayVerticle withOAuth(dev.portcullis.oauth.AuthorizationServer oauth) {
    this.oauth = oauth;
    return this;
  }

  /** Serves the users' upstream connections on /connections (per-user OAuth); null for none. */
  public GatewayVerticle withConnections(dev.portcullis.identity.credentials.Connections connections) {
    this.connections = connections;
    return this;
  }

  /** Binds personas to principals and puts the policy in front of the LLM routes. */
  public GatewayVerticle withAccess(AccessGate access) {
    this.access = access;
    return this;
  }

  /** The connection caps, shared by every instance of the listener (required). */
  public GatewayVerticle withConnectionLimits(ConnectionLimits limits) {
    this.connectionLimits = limits;
    return this;
  }

  @Override
  public Future<?> start() {
    ConnectionGuard connectionGuard = new ConnectionGuard(vertx,
        java.util.Objects.requireNonNull(connectionLimits, "withConnectionLimits"), config.server().timeouts(),
        metrics);
    HttpClient http = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(1024));
    LlmProxy proxy = new LlmProxy(vertx, http, catalog, config, metrics, observer);
    OpenAiSurface openai = new OpenAiSurface(json, proxy, gate);
    OpenAiErrors errors = openai.errors();
    AnthropicSurface anthropic = new AnthropicSurface(proxy, gate);
    openai.guard(llmGuard);
    anthropic.guard(llmGuard);

    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      String id = RequestIds.next();
      ctx.put(REQUEST_ID, id);
      ctx.put(START_NANOS, System.nanoTime());
      ctx.response().putHeader("x-request-id", id);
      connectionGuard.requestStarted(ctx);
      ctx.next();
    });
    // A client gone mid-request (its body deadline passed, or it hung up) can be sent nothing:
    // end there instead of letting Vert.x log every such request as an unhandled error.
    router.route().failureHandler(ctx -> {
      if (ctx.response().closed()) {
        return;
      }
      ctx.next();
    });
    router.get("/healthz").handler(ctx -> json(ctx, 200, "{\"status\":\"ok\"}"));
    router.get("/readyz").handler(ctx -> {
      boolean ok = ready.getAsBoolean();
      json(ctx, ok ? 200 : 503, ok ? "{\"status\":\"ready\"}" : "{\"status\":\"starting\"}");
    });
    router.get("/metrics").handler(new MetricsEndpoint(metrics, config.metrics()));

    if (mcp != null) {
      mcp.mountAdmin(router, config.admin() == null ? null : config.admin().key()); // before /admin/*'s catch-all
    }
    if (admin != null) {
      admin.mount(router);
    }
    if (console != null) {
      console.mount(router);
    }
    if (identity != null) {
      identity.mount(router);
    }
    if (oauth != null) {
      oauth.mount(router);
    }
    if (connections != null) {
      new dev.portcullis.identity.credentials.ConnectionRoutes(connections).mount(router,
          ctx -> authenticate(ctx, errors));
    }
    if (mcp != null) {
      mcp.endpoint().mount(router, ctx -> authenticate(ctx, errors), config.server().maxBodyBytes());
    }
    if (traceStep != null) {
      router.post("/v1/*").handler(traceStep::start); // before authentication: refusals are traced too
    }
    router.route("/v1/*").handler(ctx -> authenticate(ctx, errors));
    if (auditStep != null) {
      router.route("/v1/*").handler(auditStep::track);
    }
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()));
    BodyStep openAiBody = new BodyStep(bodies, errors);
    BodyStep anthropicBody = new BodyStep(bodies, ANTHROPIC_ERRORS);
    for (String route : OPENAI_BODY_ROUTES) {
      router.post(route).handler(openAiBody::parse);
    }
    for (String route : ANTHROPIC_BODY_ROUTES) {
      router.post(route).handler(anthropicBody::parse);
    }
    if (access != null) {
      router.post("/v1/*").handler(access::checkModel);
    }
    router.post(CHAT_COMPLETIONS).handler(openai::chatCompletions);
    router.post(MESSAGES).handler(anthropic::messages);
    router.post(COUNT_TOKENS).handler(anthropic::countTokens);
    router.post(EMBEDDINGS).handler(openai::embeddings);
    router.get("/v1/models").handler(openai::listModels);
    router.get("/v1/models/:id").handler(openai::getModel);
    router.route("/v1/*").handler(ctx -> errorsFor(ctx, errors).respond(ctx.response(), 404,
        "invalid_request_error", "unknown_url",
        "Invalid URL (" + ctx.request().method() + " " + ctx.request().path() + ")"));

    router.errorHandler(413, ctx -> errorsFor(ctx, errors).respond(ctx.response(), 413, "invalid_request_error",
        "request_too_large", "The request body is larger than the gateway's limit of "
            + config.server().maxBodyBytes() + " bytes."));
    router.errorHandler(400, ctx -> routeError(ctx, errors, 400, "bad_request",
        "Bad request: " + ctx.request().method() + " " + ctx.request().uri()));
    router.errorHandler(404, ctx -> routeError(ctx, errors, 404, "unknown_url", "Not found: " + ctx.request().path()));
    router.errorHandler(405, ctx -> routeError(ctx, errors, 405, "method_not_allowed",
        "Method not allowed: " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(500, ctx -> {
      LOG.atError().setCause(ctx.failure()).addKeyValue("request_id", (String) ctx.get(REQUEST_ID))
          .addKeyValue("path", ctx.request().path()).log("unhandled failure");
      errorsFor(ctx, errors).respond(ctx.response(), 500, "server_error", "internal_error",
          "The gateway failed to handle this request (request id " + ctx.get(REQUEST_ID) + ").");
    });

    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(config.server().host())
        .setPort(port)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // Cleartext HTTP/2 makes Vert.x wait for a client's first bytes before it hands over the
        // connection, so a silent client would escape the connection caps and the header clock.
        .setHttp2ClearTextEnabled(false));
    return server.connectionHandler(connectionGuard::accepted).requestHandler(router).listen();
  }

  /** The port actually bound (useful when the configuration asked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void authenticate(RoutingContext ctx, OpenAiErrors errors) {
    var req = ctx.request();
    Principal p = authenticator.authenticate(req.getHeader(HttpHeaders.AUTHORIZATION), req.getHeader("x-api-key"));
    if (p == null && identity != null && identity.applies(req.path())) {
      identity.authenticate(ctx); // OAuth access token; answers 401/403 with a Bearer challenge itself
      return;
    }
    if (p == null && req.path().startsWith("/mcp")) { // MCP clients get a JSON-RPC error
      dev.portcullis.mcp.McpHttpEndpoint.unauthorized(ctx.response(),
          req.getHeader(HttpHeaders.AUTHORIZATION) == null && req.getHeader("x-api-key") == null);
      return;
    }
    if (p == null && req.path().startsWith("/v1/messages")) { // Anthropic clients get Anthropic's shape
      boolean none = req.getHeader(HttpHeaders.AUTHORIZATION) == null && req.getHeader("x-api-key") == null;
      new AnthropicErrors().respond(ctx.response(), 401, "authentication_error", null,
          none ? "x-api-key header is required" : "invalid x-api-key");
      return;
    }
    if (p == null) {
      boolean missing = req.getHeader(HttpHeaders.AUTHORIZATION) == null && req.getHeader("x-api-key") == null;
      errors.respond(ctx.response(), 401, "invalid_request_error", "invalid_api_key", null, missing
          ? "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'."
          : "Incorrect API key provided.");
      return;
    }
    ctx.put("portcullis.principal", p);
    if (access != null && !access.bind(ctx)) {
      return; // a persona the caller may not use: answered 403
    }
    ctx.next();
  }

  /**
   * An error for a path or method no route serves, in the shape of the surface the path belongs
   * to. The path is the client's text (quotes, backslashes, control characters): it goes into the
   * body through a JSON writer, never by concatenation.
   */
  private static void routeError(RoutingContext ctx, OpenAiErrors openai, int status, String code, String message) {
    String path = ctx.request().path();
    if (path != null && (path.equals("/mcp") || path.startsWith("/mcp/"))) {
      dev.portcullis.mcp.McpHttpEndpoint.httpError(ctx.response(), status, dev.portcullis.mcp.McpError.INVALID_REQUEST,
          message);
      return;
    }
    errorsFor(ctx, openai).respond(ctx.response(), status, "invalid_request_error", code, message);
  }

  /** The error shape of the surface the client called: Anthropic's on /v1/messages, else OpenAI's. */
  private static ErrorResponder errorsFor(RoutingContext ctx, OpenAiErrors openai) {
    String path = ctx.request().path();
    return path != null && path.startsWith("/v1/messages") ? ANTHROPIC_ERRORS : openai;
  }

  private static void json(RoutingContext ctx, int status, String body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }
}

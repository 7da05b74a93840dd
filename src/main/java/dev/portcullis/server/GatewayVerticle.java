package dev.portcullis.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.admin.AdminApi;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.identity.Principal;
import dev.portcullis.json.JsonBodies;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ErrorResponder;
import dev.portcullis.llm.LlmProxy;
import dev.portcullis.pipeline.Stages;
import dev.portcullis.pipeline.Surface;
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
  /** The authenticated {@link Principal}, with the persona it acts through. */
  static final String PRINCIPAL = "portcullis.principal";
  private static final String CHAT_COMPLETIONS = "/v1/chat/completions";
  private static final String EMBEDDINGS = "/v1/embeddings";
  private static final String MESSAGES = "/v1/messages";
  private static final String COUNT_TOKENS = "/v1/messages/count_tokens";
  private static final String RESPONSES = "/v1/responses";
  private static final String RESPONSES_INPUT_TOKENS = "/v1/responses/input_tokens";
  /** The routes whose JSON body is parsed once, before persona grants and policy read it. */
  private static final List<String> OPENAI_BODY_ROUTES = List.of(CHAT_COMPLETIONS, EMBEDDINGS);
  private static final List<String> RESPONSES_BODY_ROUTES = List.of(RESPONSES, RESPONSES_INPUT_TOKENS);
  private static final List<String> ANTHROPIC_BODY_ROUTES = List.of(MESSAGES, COUNT_TOKENS);

  /**
   * Everything one listener serves with, shared by every instance (built once, by the composition
   * root). A component that is null is a feature that is off: its routes are not mounted.
   *
   * @param snapshots the reloadable parts in force, read once per request
   * @param port the port to listen on (0: any free one, shared by every instance)
   * @param bodies the one parser of client JSON bodies
   * @param ready whether start-up has finished (/readyz)
   * @param accountant key, team and persona limits on the LLM routes, or null (none can apply)
   * @param approvals the queue of calls policy holds for an administrator (/admin/approvals)
   * @param adminAuthentication the one check of the admin key, in front of every admin route
   * @param admin the admin API on /admin, or null (no store)
   * @param adminRoutes more admin routes (configuration reload), mounted before /admin/*
   * @param mcp the MCP gateway on /mcp and /mcp/{virtual-server}, or null (no MCP servers)
   * @param identity accepts OAuth bearer tokens on /mcp* (and /v1/* when configured) and serves
   *     RFC 9728 metadata, or null
   * @param oauth the built-in OAuth authorization server (metadata, /oauth/*), or null
   * @param connections the users' upstream connections on /connections (per-user OAuth), or null
   * @param connectionLimits the connection caps
   * @param accessLog one access-log line per request and the refusal counts
   * @param status upstream health for /readyz (its readiness policy) and GET /admin/status
   * @param cluster the other replicas' shared state: governed requests and readiness depend on it
   * @param responses where the Responses API keeps responses
   * @param audit audits the LLM routes (every call, refusals included), or null: no audit trail
   * @param tracing traces the LLM routes (OpenTelemetry, GenAI conventions), or null: tracing off
   * @param console the web console on /ui, or null (no store)
   */
  public record Parts(java.util.function.Supplier<Snapshot> snapshots, int port, ObjectMapper json,
      JsonBodies bodies, GatewayMetrics metrics, CallObserver observer, BooleanSupplier ready,
      dev.portcullis.limits.Accountant accountant, dev.portcullis.llm.TokenCounter tokens,
      dev.portcullis.policy.Approvals approvals, dev.portcullis.admin.AdminAuthentication adminAuthentication,
      AdminApi admin, java.util.function.Consumer<Router> adminRoutes,
      dev.portcullis.mcp.McpGateway mcp, dev.portcullis.identity.ResourceServer identity,
      dev.portcullis.oauth.AuthorizationServer oauth, dev.portcullis.identity.credentials.Connections connections,
      ConnectionLimits connectionLimits, AccessLog accessLog, dev.portcullis.admin.UpstreamStatus status,
      dev.portcullis.cluster.Cluster cluster, dev.portcullis.llm.responses.ResponseArchive responses,
      dev.portcullis.audit.AuditWriter audit, dev.portcullis.telemetry.LlmTracing tracing,
      dev.portcullis.ui.Console console) {
    public Parts {
      java.util.Objects.requireNonNull(connectionLimits, "connectionLimits");
      java.util.Objects.requireNonNull(accessLog, "accessLog");
      java.util.Objects.requireNonNull(status, "status");
      java.util.Objects.requireNonNull(cluster, "cluster");
      java.util.Objects.requireNonNull(responses, "responses");
    }
  }

  private final java.util.function.Supplier<Snapshot> snapshots;
  private final int port;
  private final ObjectMapper json;
  private final JsonBodies bodies;
  private final GatewayMetrics metrics;
  private final CallObserver observer;
  private final BooleanSupplier ready;
  private final dev.portcullis.limits.Accountant accountant;
  private final dev.portcullis.llm.TokenCounter tokens;
  private final VocabularyGate vocabularyGate;
  private final dev.portcullis.policy.Approvals approvals;
  private final dev.portcullis.cluster.Cluster cluster;
  private final dev.portcullis.admin.AdminAuthentication adminAuthentication;
  private final AdminApi admin;
  private final dev.portcullis.mcp.McpGateway mcp;
  private final dev.portcullis.llm.responses.ResponseArchive responses;
  private final dev.portcullis.audit.AuditWriter audit;
  private final TraceStep traceStep;
  private final dev.portcullis.identity.ResourceServer identity;
  private final dev.portcullis.oauth.AuthorizationServer oauth;
  private final dev.portcullis.identity.credentials.Connections connections;
  private final ConnectionLimits connectionLimits;
  private final java.util.function.Consumer<Router> adminRoutes;
  private final AccessLog accessLog;
  private final dev.portcullis.admin.UpstreamStatus status;
  private final dev.portcullis.ui.Console console;
  private HttpServer server;
  private HttpClient http;
  private dev.portcullis.agent.ToolLoop toolLoop;
  private ConnectionGuard connectionGuard;
  /** The snapshot {@link #router} was built from; touched only on this verticle's event loop. */
  private Snapshot routed;
  private Router router;

  public GatewayVerticle(Parts parts) {
    this.snapshots = parts.snapshots();
    this.port = parts.port();
    this.json = parts.json();
    this.bodies = parts.bodies();
    this.metrics = parts.metrics();
    this.observer = parts.observer();
    this.ready = parts.ready();
    this.accountant = parts.accountant();
    this.tokens = parts.tokens();
    this.vocabularyGate = new VocabularyGate(parts.tokens());
    this.approvals = parts.approvals();
    this.adminAuthentication = parts.adminAuthentication();
    this.admin = parts.admin();
    this.adminRoutes = parts.adminRoutes();
    this.mcp = parts.mcp();
    this.identity = parts.identity();
    this.oauth = parts.oauth();
    this.connections = parts.connections();
    this.connectionLimits = parts.connectionLimits();
    this.accessLog = parts.accessLog();
    this.status = parts.status();
    this.cluster = parts.cluster();
    this.responses = parts.responses();
    this.audit = parts.audit();
    this.traceStep = parts.tracing() == null ? null : new TraceStep(parts.tracing());
    this.console = parts.console();
  }

  @Override
  public Future<?> start() {
    GatewayConfig boot = snapshots.get().config();
    connectionGuard = new ConnectionGuard(vertx, connectionLimits, boot.server().timeouts(), metrics);
    http = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false),
        new PoolOptions().setHttp1MaxSize(1024));
    toolLoop = new dev.portcullis.agent.ToolLoop(vertx);
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(boot.server().host())
        .setPort(port)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        // Cleartext HTTP/2 makes Vert.x wait for a client's first bytes before it hands over the
        // connection, so a silent client would escape the connection caps and the header clock.
        .setHttp2ClearTextEnabled(false));
    return server.connectionHandler(connectionGuard::accepted).requestHandler(this::handle).listen();
  }

  /**
   * Routes a request by the snapshot in force when it arrives. The route table is rebuilt once per
   * snapshot (on the first request after a reload); a request already routed keeps the handlers,
   * and so the catalogue, keys, policy and guard, it started with.
   */
  private void handle(io.vertx.core.http.HttpServerRequest request) {
    Snapshot now = snapshots.get();
    if (now != routed) {
      router = router(now);
      routed = now;
    }
    router.handle(request);
  }

  private Router router(Snapshot snapshot) {
    GatewayConfig config = snapshot.config();
    LlmProxy proxy = new LlmProxy(vertx, http, snapshot.catalog(), config, metrics, observer);
    AccessGate access = snapshot.access();
    ModelCalls calls = new ModelCalls(Stages.modelCalls(audit, access == null ? null : access.policy(), approvals,
        vertx, snapshot.llmGuard(), accountant, tokens), proxy);
    ToolLoopRoute loops = new ToolLoopRoute(mcp, toolLoop, http, config.server().host(), server::actualPort,
        config.policy().personaHeader(), config.mcp().toolLoop());
    OpenAiSurface openai = new OpenAiSurface(json, calls, loops);
    OpenAiErrors errors = openai.errors();
    AnthropicSurface anthropic = new AnthropicSurface(calls, loops);
    ResponsesSurface responsesApi = new ResponsesSurface(json, calls, responses, tokens, loops);

    Router router = Router.router(vertx);
    router.route().handler(ctx -> {
      String id = RequestIds.next();
      ctx.put(REQUEST_ID, id);
      ctx.put(START_NANOS, System.nanoTime());
      snapshot.bind(ctx);
      ctx.response().putHeader("x-request-id", id);
      connectionGuard.requestStarted(ctx, accessLog.start(ctx));
      String repeated = SingletonHeaders.repeated(ctx.request().headers());
      if (repeated != null) {
        routeError(ctx, errors, 400, "duplicate_header", "The " + repeated + " header must be sent at most once.");
        return;
      }
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
      if (!ready.getAsBoolean()) {
        json(ctx, 503, "{\"status\":\"starting\"}");
        return;
      }
      java.util.List<String> missing = new java.util.ArrayList<>(status.missing());
      if (!cluster.ready()) {
        missing.add("cluster:redis"); // fail: closed and Redis unreachable: the balancer should send elsewhere
      }
      if (missing.isEmpty()) {
        json(ctx, 200, "{\"status\":\"ready\"}");
        return;
      }
      var body = json.createObjectNode().put("status", "not_ready");
      missing.forEach(body.putArray("missing")::add); // names from the configuration: nothing secret
      json(ctx, 503, body.toString());
    });
    router.get("/metrics").handler(new MetricsEndpoint(metrics, config.metrics()));

    // The model routes, then the MCP ones, come first: every request walks the routes in order
    // until one matches, and the admin and console routes, with their path parameters (a regular
    // expression each), are for the operator's few requests, not the traffic's.
    ClusterGate clusterGate = new ClusterGate(cluster, errors, ANTHROPIC_ERRORS);
    router.route("/v1/*").handler(clusterGate);
    if (traceStep != null) {
      router.post("/v1/*").handler(traceStep::start); // before authentication: refusals are traced too
    }
    router.route("/v1/*").handler(ctx -> authenticate(ctx, snapshot, errors));
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()));
    router.post("/v1/*").handler(vocabularyGate); // the first requests after start-up wait for the vocabularies
    BodyStep openAiBody = new BodyStep(bodies, errors, calls, Surface.OPENAI);
    BodyStep anthropicBody = new BodyStep(bodies, ANTHROPIC_ERRORS, calls, Surface.ANTHROPIC);
    BodyStep responsesBody = new BodyStep(bodies, errors, calls, Surface.RESPONSES);
    for (String route : OPENAI_BODY_ROUTES) {
      router.post(route).handler(openAiBody::parse);
    }
    for (String route : RESPONSES_BODY_ROUTES) {
      router.post(route).handler(responsesBody::parse);
    }
    for (String route : ANTHROPIC_BODY_ROUTES) {
      router.post(route).handler(anthropicBody::parse);
    }
    router.post(CHAT_COMPLETIONS).handler(openai::chatCompletions);
    router.post(MESSAGES).handler(anthropic::messages);
    router.post(COUNT_TOKENS).handler(anthropic::countTokens);
    router.post(EMBEDDINGS).handler(openai::embeddings);
    router.post(RESPONSES).handler(responsesApi::create);
    router.post(RESPONSES_INPUT_TOKENS).handler(responsesApi::inputTokens);
    router.get(RESPONSES + "/:id").handler(responsesApi::retrieve);
    router.delete(RESPONSES + "/:id").handler(responsesApi::delete);
    router.get(RESPONSES + "/:id/input_items").handler(responsesApi::inputItems);
    router.get("/v1/models").handler(openai::listModels);
    router.get("/v1/models/:id").handler(openai::getModel);
    router.route("/v1/*").handler(ctx -> {
      String message = "Invalid URL (" + ctx.request().method() + " " + ctx.request().path() + ")";
      rejected(ctx, calls, 404, "unknown_url", message);
      errorsFor(ctx, errors).respond(ctx.response(), 404, "invalid_request_error", "unknown_url", message);
    });
    if (mcp != null) {
      router.route("/mcp").handler(clusterGate);
      router.route("/mcp/*").handler(clusterGate);
      mcp.endpoint().mount(router, ctx -> authenticate(ctx, snapshot, errors), config.server().maxBodyBytes());
    }

    // every admin route behind the one admin authentication; these before /admin/*'s catch-all
    new dev.portcullis.admin.StatusAdmin(status, adminAuthentication).mount(router);
    adminRoutes.accept(router);
    new dev.portcullis.admin.ApprovalAdmin(approvals, adminAuthentication).mount(router);
    if (mcp != null) {
      new dev.portcullis.admin.PinningAdmin(mcp.pins(), mcp.upstreams(), mcp.separator(), adminAuthentication)
          .mount(router);
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
          ctx -> authenticate(ctx, snapshot, errors));
    }
    router.errorHandler(413, ctx -> {
      String message = "The request body is larger than the gateway's limit of " + config.server().maxBodyBytes()
          + " bytes.";
      rejected(ctx, calls, 413, "request_too_large", message);
      errorsFor(ctx, errors).respond(ctx.response(), 413, "invalid_request_error", "request_too_large", message);
    });
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

    return router;
  }

  /** The port actually bound (useful when the configuration asked for port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void authenticate(RoutingContext ctx, Snapshot snapshot, OpenAiErrors errors) {
    var req = ctx.request();
    AccessGate access = snapshot.access();
    Principal p = snapshot.authenticator().authenticate(req.getHeader(HttpHeaders.AUTHORIZATION), req.getHeader("x-api-key"));
    if (p == null && identity != null && identity.applies(req.path())) {
      identity.authenticate(ctx); // OAuth access token; answers 401/403 with a Bearer challenge itself
      return;
    }
    if (p == null && req.path().startsWith("/mcp")) { // MCP clients get a JSON-RPC error
      dev.portcullis.mcp.downstream.McpHttpEndpoint.unauthorized(ctx.response(),
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
    ctx.put(PRINCIPAL, p);
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
      dev.portcullis.mcp.downstream.McpHttpEndpoint.httpError(ctx.response(), status, dev.portcullis.mcp.protocol.McpError.INVALID_REQUEST,
          message);
      return;
    }
    errorsFor(ctx, openai).respond(ctx.response(), status, "invalid_request_error", code, message);
  }

  /**
   * An authenticated POST on the LLM routes refused before any surface parsed it (unknown route,
   * body too large): recorded like every other refused call.
   */
  private static void rejected(RoutingContext ctx, ModelCalls calls, int status, String code, String message) {
    String path = ctx.request().path();
    if (ctx.request().method() == io.vertx.core.http.HttpMethod.POST && ctx.get(PRINCIPAL) != null && path != null
        && path.startsWith("/v1/")) {
      Surface surface = path.startsWith("/v1/messages") ? Surface.ANTHROPIC
          : path.startsWith(RESPONSES) ? Surface.RESPONSES : Surface.OPENAI;
      calls.reject(ctx, surface, null, status, code, message);
    }
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

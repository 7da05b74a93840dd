package dev.portcullis.oauth;

import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.portcullis.config.IdentityConfig;
import dev.portcullis.config.IdentityConfig.AuthorizationServerConfig;
import dev.portcullis.identity.IdentityWiring;
import dev.portcullis.identity.SafeFetcher;
import dev.portcullis.json.JsonBodies;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in OAuth 2.1 authorization server: MCP clients connect with no pre-registration
 * (client ID metadata documents, else RFC 7591 registration), users log in at the enterprise IdP
 * (federation), consent per client, and get the gateway's own short-lived tokens bound to this
 * resource. Routes: the RFC 8414 / OpenID metadata, {@code /oauth/authorize}, {@code /callback},
 * {@code /consent}, {@code /token}, {@code /revoke}, {@code /register} and {@code /jwks.json}.
 * Shared by every event loop; the endpoints' work runs on worker threads.
 */
public final class AuthorizationServer implements IdentityWiring.LocalAuthority {
  private static final Logger LOG = LoggerFactory.getLogger(AuthorizationServer.class);
  private static final int BODY_LIMIT = 64 * 1024;

  private final AuthorizationServerConfig config;
  private final boolean llmRoutes;
  private final List<String> scopes;
  private final OAuthStore store;
  private final Tokens tokens;
  private final ClientRegistry clients;
  private final AuthorizeEndpoint authorize;
  private final TokenEndpoint token;
  private final RevocationEndpoint revocation;
  private final AtomicLong lastPurge = new AtomicLong(System.currentTimeMillis());
  private final java.util.function.Supplier<String> publicUrl;

  private AuthorizationServer(Vertx vertx, IdentityConfig id, OAuthStore store, JsonBodies bodies,
      java.util.function.Supplier<String> publicUrl) {
    this.publicUrl = publicUrl;
    this.config = id.authorizationServer();
    this.llmRoutes = id.llmRoutes();
    this.store = store;
    List<String> s = new ArrayList<>(config.scopes());
    for (List<String> more : List.of(id.mcpScopes(), id.llmScopes(), id.scopesSupported())) {
      more.stream().filter(x -> !s.contains(x)).forEach(s::add);
    }
    this.scopes = List.copyOf(s);
    SafeFetcher fetcher = new SafeFetcher(vertx, id.fetch());
    this.tokens = new Tokens(store, SigningKeys.loadOrCreate(store), this::issuer, config.accessTokenSeconds(),
        config.refreshTokenSeconds());
    this.clients = new ClientRegistry(config, store, fetcher, id.fetch().allowHttp(), bodies);
    UpstreamIdp idp = new UpstreamIdp(config.upstream(), fetcher, id.fetch(), id.clockSkewSeconds());
    this.authorize = new AuthorizeEndpoint(clients, idp, store, this::issuer, this::servesResource, scopes);
    this.token = new TokenEndpoint(clients, store, tokens, this::issuer, this::servesResource);
    this.revocation = new RevocationEndpoint(clients, store, tokens);
  }

  /**
   * The authorization server, or null when {@code identity.authorization_server} is not configured.
   * Blocking (loads or creates the signing key).
   *
   * @param store the durable store's OAuth repository, or null to keep the state in memory
   * @param bodies the one parser of client JSON bodies (dynamic client registration)
   * @param publicUrl the gateway's public base URL, no trailing slash (its issuer identifier),
   *     known once the listener is bound
   */
  public static AuthorizationServer create(Vertx vertx, IdentityConfig id, OAuthStore store, JsonBodies bodies,
      java.util.function.Supplier<String> publicUrl) {
    if (id.authorizationServer() == null) {
      return null;
    }
    return new AuthorizationServer(vertx, id, store == null ? new MemoryOAuthStore() : store, bodies, publicUrl);
  }

  /** This server's issuer identifier: the gateway's base URL. */
  @Override
  public String issuer() {
    return publicUrl.get();
  }

  @Override
  public JWKSource<SecurityContext> keys() {
    return tokens.keys().source();
  }

  @Override
  public boolean revoked(String jti) {
    return tokens.revoked(jti);
  }

  /** Whether an RFC 8707 resource value names (a part of) this gateway. */
  boolean servesResource(String r) {
    String b = publicUrl.get();
    if (r == null || b == null) {
      return false;
    }
    if (r.equals(b) || r.equals(b + "/")) {
      return true;
    }
    if (!r.startsWith(b + "/")) {
      return false;
    }
    String rest = r.substring(b.length());
    return rest.matches("/mcp(/[A-Za-z0-9_.~-]+)?") || llmRoutes && rest.equals("/v1");
  }

  public void mount(Router router) {
    for (String path : List.of("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")) {
      boolean openid = path.endsWith("openid-configuration");
      router.get(path).handler(ctx -> json(ctx, Metadata.document(issuer(), scopes, config.dynamicRegistration(),
          config.clientMetadataDocuments(), openid).toString(), "max-age=300"));
    }
    router.get("/oauth/jwks.json").handler(ctx -> json(ctx, tokens.keys().published().toString(), "max-age=300"));
    router.options("/oauth/*").handler(this::preflight);
    router.post("/oauth/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.get("/oauth/authorize").handler(ctx -> serve(ctx, false, authorize::authorize));
    router.get("/oauth/callback").handler(ctx -> serve(ctx, false, authorize::callback));
    router.post("/oauth/consent").handler(ctx -> serve(ctx, true, authorize::consent));
    router.post("/oauth/token").handler(ctx -> serve(ctx, true, token::token));
    router.post("/oauth/revoke").handler(ctx -> serve(ctx, true, revocation::revoke));
    if (config.dynamicRegistration()) {
      router.post("/oauth/register").handler(ctx -> serve(ctx, false, r -> clients.register(r.body())));
    }
  }

  private void json(RoutingContext ctx, String body, String cache) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json").putHeader("cache-control", cache)
        .putHeader("access-control-allow-origin", "*").end(body);
  }

  /** Browser-based MCP clients call the token, registration and revocation endpoints cross-origin. */
  private void preflight(RoutingContext ctx) {
    ctx.response().setStatusCode(204).putHeader("access-control-allow-origin", "*")
        .putHeader("access-control-allow-methods", "POST, GET, OPTIONS")
        .putHeader("access-control-allow-headers", "authorization, content-type, mcp-protocol-version")
        .putHeader("access-control-max-age", "600").end();
  }

  private void serve(RoutingContext ctx, boolean form, Function<OAuthRequest, Reply> endpoint) {
    OAuthRequest r = request(ctx, form);
    ctx.vertx().executeBlocking(() -> {
      purgeNowAndThen();
      return endpoint.apply(r);
    }, false).onComplete(ar -> {
      Reply reply;
      if (ar.succeeded()) {
        reply = ar.result();
      } else {
        LOG.atError().setCause(ar.cause()).addKeyValue("path", ctx.request().path()).log("authorization server "
            + "failure");
        reply = Reply.error(500, "server_error", "the authorization server failed to handle this request");
      }
      write(ctx.response(), reply);
    });
  }

  private void purgeNowAndThen() {
    long now = System.currentTimeMillis();
    long last = lastPurge.get();
    if (now - last > 60_000 && lastPurge.compareAndSet(last, now)) {
      try {
        store.purge(now);
      } catch (RuntimeException e) {
        LOG.warn("cannot purge expired authorization server items: {}", e.toString());
      }
    }
  }

  private static OAuthRequest request(RoutingContext ctx, boolean form) {
    MultiMap m = form ? ctx.request().formAttributes() : ctx.queryParams();
    Map<String, List<String>> params = new LinkedHashMap<>();
    for (String name : m.names()) {
      params.put(name, m.getAll(name));
    }
    Map<String, String> cookies = new LinkedHashMap<>();
    for (String header : ctx.request().headers().getAll(HttpHeaders.COOKIE)) {
      for (String part : header.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0) {
          cookies.putIfAbsent(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
      }
    }
    byte[] body = ctx.body() == null || form || ctx.body().buffer() == null ? null
        : ctx.body().buffer().getBytes();
    return new OAuthRequest(params, ctx.request().getHeader(HttpHeaders.AUTHORIZATION), cookies, body,
        ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
  }

  private static void write(HttpServerResponse resp, Reply r) {
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(r.status());
    r.headers().forEach(resp::putHeader);
    for (String c : r.cookies()) {
      resp.headers().add("set-cookie", c);
    }
    if (r.contentType() != null && r.contentType().startsWith("application/json")) {
      resp.putHeader("access-control-allow-origin", "*");
    }
    if (r.body() == null) {
      resp.end();
    } else {
      resp.putHeader(HttpHeaders.CONTENT_TYPE, r.contentType()).end(r.body());
    }
  }
}

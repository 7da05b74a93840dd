package dev.portcullis.identity;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.IdentityConfig;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The OAuth 2.1 resource server at the edge (MCP authorization spec): RFC 9728 protected-resource
 * metadata at {@code /.well-known/oauth-protected-resource} (and per-path variants such as
 * {@code .../mcp}), bearer-token authentication on /mcp* (and /v1/* when configured) with a
 * {@code WWW-Authenticate} challenge pointing at that metadata on 401, and {@code
 * insufficient_scope} on 403. Shared by every event loop.
 */
public final class ResourceServer {
  public static final String PRINCIPAL = "portcullis.principal";
  private static final String PRM = "/.well-known/oauth-protected-resource";

  private final IdentityConfig config;
  private final TokenVerifier verifier;
  private final Supplier<List<String>> authorizationServers;
  private final Supplier<String> publicUrl;
  private final java.util.function.Predicate<RoutingContext> afterAuthentication;

  /**
   * @param authorizationServers issuers to advertise (the built-in server, else the trusted issuers)
   * @param publicUrl this gateway's resource identifier: its public base URL, no trailing slash
   *     ({@code identity.resource}, else the bound listener's)
   * @param afterAuthentication a step run once the principal is known (persona binding); false
   *     when it answered the request
   */
  public ResourceServer(IdentityConfig config, TokenVerifier verifier, Supplier<List<String>> authorizationServers,
      Supplier<String> publicUrl, java.util.function.Predicate<RoutingContext> afterAuthentication) {
    this.config = config;
    this.verifier = verifier;
    this.authorizationServers = authorizationServers;
    this.publicUrl = publicUrl;
    this.afterAuthentication = afterAuthentication;
  }

  /** This gateway's resource identifier (its public base URL, no trailing slash). */
  public String base() {
    return publicUrl.get();
  }

  /** Whether bearer tokens are accepted on this path. */
  public boolean applies(String path) {
    return path.equals("/mcp") || path.startsWith("/mcp/") || config.llmRoutes() && path.startsWith("/v1/")
        || path.equals("/connections") || path.startsWith("/connections/");
  }

  /** The protected resource a path belongs to: {@code /mcp}, {@code /mcp/NAME} or {@code /v1}. */
  static String resourcePath(String path) {
    if (path.equals("/connections") || path.startsWith("/connections/")) {
      return "/mcp"; // the user's upstream connections serve the MCP gateway: its tokens are accepted
    }
    if (path.startsWith("/mcp/")) {
      int slash = path.indexOf('/', 5);
      return slash < 0 ? path : path.substring(0, slash);
    }
    if (path.startsWith("/mcp")) {
      return "/mcp";
    }
    return path.startsWith("/v1") ? "/v1" : "";
  }

  /** Audiences accepted for a request path: the base URL, or the resource the path belongs to. */
  List<String> resources(String path) {
    String base = base();
    List<String> r = new ArrayList<>(3);
    r.add(base);
    r.add(base + "/");
    String rp = resourcePath(path);
    if (!rp.isEmpty()) {
      r.add(base + rp);
      if (rp.startsWith("/mcp/")) {
        r.add(base + "/mcp");
      }
    }
    return r;
  }

  public String metadataUrl(String path) {
    return base() + PRM + resourcePath(path);
  }

  public void mount(Router router) {
    router.get(PRM).handler(ctx -> metadata(ctx, ""));
    router.get(PRM + "/*").handler(ctx -> {
      String rest = ctx.request().path().substring(PRM.length());
      if (!rest.equals("/mcp") && !rest.startsWith("/mcp/") && !(rest.equals("/v1") && config.llmRoutes())) {
        ctx.next();
        return;
      }
      metadata(ctx, rest);
    });
  }

  private void metadata(RoutingContext ctx, String path) {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("resource", base() + path);
    var as = m.putArray("authorization_servers");
    authorizationServers.get().forEach(as::add);
    var methods = m.putArray("bearer_methods_supported");
    methods.add("header");
    List<String> scopes = new ArrayList<>(config.scopesSupported());
    for (String s : path.startsWith("/v1") ? config.llmScopes() : config.mcpScopes()) {
      if (!scopes.contains(s)) {
        scopes.add(s);
      }
    }
    var sc = m.putArray("scopes_supported");
    scopes.forEach(sc::add);
    m.put("resource_name", "Portcullis" + (path.isEmpty() ? "" : " " + path));
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader("cache-control", "max-age=300").end(m.toString());
  }

  /**
   * Authenticates a bearer token (the gateway keys were already tried and did not match): on
   * success puts the principal under {@link #PRINCIPAL} and continues; otherwise answers 401 or 403.
   */
  public void authenticate(RoutingContext ctx) {
    String path = ctx.request().path();
    String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    if (token == null || token.isEmpty()) {
      boolean other = auth != null || ctx.request().getHeader("x-api-key") != null;
      challenge(ctx, 401, other ? "invalid_token" : null, other ? "the credential is not valid" : null);
      return;
    }
    List<String> resources = resources(path);
    ctx.request().pause(); // the body handler comes after this asynchronous step
    ctx.vertx().executeBlocking(() -> verifier.verify(token, resources), false).onComplete(ar -> {
      if (ar.failed()) {
        String why = ar.cause() instanceof TokenVerifier.InvalidToken ? ar.cause().getMessage()
            : "the token is not valid";
        challenge(ctx, 401, "invalid_token", why);
        return;
      }
      Principal p = ar.result();
      List<String> needed = path.startsWith("/v1") ? config.llmScopes() : config.mcpScopes();
      for (String s : needed) {
        if (!p.hasScope(s)) {
          challenge(ctx, 403, "insufficient_scope", "the token lacks the scope '" + s + "'");
          return;
        }
      }
      ctx.put(PRINCIPAL, p);
      if (afterAuthentication.test(ctx)) {
        ctx.next();
      }
    });
  }

  /** Answers 401 (or 403) with a Bearer challenge, in the error shape of the route. */
  public void challenge(RoutingContext ctx, int status, String error, String description) {
    String path = ctx.request().path();
    StringBuilder h = new StringBuilder("Bearer resource_metadata=\"").append(metadataUrl(path)).append('"');
    List<String> needed = path.startsWith("/v1") ? config.llmScopes() : config.mcpScopes();
    if (!needed.isEmpty()) {
      h.append(", scope=\"").append(String.join(" ", needed)).append('"');
    }
    if (error != null) {
      h.append(", error=\"").append(error).append('"');
      if (description != null) {
        h.append(", error_description=\"").append(description.replace("\"", "'")).append('"');
      }
    }
    HttpServerResponse resp = ctx.response();
    if (resp.ended()) {
      return;
    }
    resp.setStatusCode(status).putHeader("www-authenticate", h.toString())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    String message = (status == 401 ? "Unauthorized: " : "Forbidden: ")
        + (description == null ? "send a gateway key or an OAuth access token as 'Authorization: Bearer ...'"
        : description);
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    if (path.startsWith("/mcp")) {
      body.put("jsonrpc", "2.0").putObject("error").put("code", -32600).put("message", message);
    } else if (path.startsWith("/v1/messages")) {
      body.put("type", "error").putObject("error").put("type", status == 401 ? "authentication_error"
          : "permission_error").put("message", message);
    } else {
      body.putObject("error").put("message", message).put("type", "invalid_request_error").putNull("param")
          .put("code", error == null ? "invalid_api_key" : error);
    }
    resp.end(body.toString());
  }
}

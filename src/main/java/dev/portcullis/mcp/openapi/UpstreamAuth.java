package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.OpenApiConfig.AuthConfig;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Adds the REST API's own credential to a request: an API key (header or query), a bearer token,
 * basic credentials, or an OAuth 2 client-credentials token fetched from the token endpoint and
 * kept until shortly before it expires. Credentials come from configuration (secrets through
 * {@code ${ENV}}), never from the calling client.
 */
public final class UpstreamAuth {
  private final AuthConfig config;
  private final ObjectMapper json;
  private String token;
  private long tokenExpiresAt;
  private Future<String> fetching;

  public UpstreamAuth(AuthConfig config, ObjectMapper json) {
    this.config = config;
    this.json = json;
  }

  /** Whether this class handles the type itself (the others come from the shared credentials model). */
  public static boolean handles(String type) {
    return "api_key".equals(type) || "bearer".equals(type) || "basic".equals(type)
        || "oauth_client_credentials".equals(type);
  }

  public static UpstreamAuth none(ObjectMapper json) {
    return new UpstreamAuth(null, json);
  }

  /** Sends requests (the token endpoint's) through the same guarded client. */
  public interface Sender {
    Future<HttpExecutor.Response> send(HttpCall call);
  }

  /** The call with the credential added (may fetch an OAuth token first). */
  public Future<HttpCall> apply(HttpCall call, Sender sender) {
    if (config == null || config.type() == null) {
      return Future.succeededFuture(call);
    }
    return switch (config.type()) {
      case "api_key" -> Future.succeededFuture("query".equalsIgnoreCase(config.in())
          ? withQuery(call, config.name() == null ? "api_key" : config.name(), config.value())
          : withHeader(call, config.name() == null ? "X-API-Key" : config.name(), config.value()));
      case "bearer" -> Future.succeededFuture(withHeader(call, "Authorization", "Bearer " + config.token()));
      case "basic" -> Future.succeededFuture(withHeader(call, "Authorization", "Basic " + Base64.getEncoder()
          .encodeToString((config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8))));
      case "oauth_client_credentials" -> token(sender).map(t -> withHeader(call, "Authorization", "Bearer " + t));
      default -> Future.failedFuture(new IllegalStateException("unsupported auth type " + config.type()));
    };
  }

  /** Forgets a cached OAuth token (after the API answered 401). Returns whether there was one. */
  public synchronized boolean invalidate() {
    boolean had = token != null;
    token = null;
    return had && "oauth_client_credentials".equals(config == null ? null : config.type());
  }

  private synchronized Future<String> token(Sender sender) {
    if (token != null && System.currentTimeMillis() < tokenExpiresAt) {
      return Future.succeededFuture(token);
    }
    if (fetching != null) {
      return fetching;
    }
    StringBuilder form = new StringBuilder("grant_type=client_credentials");
    if (!config.scopes().isEmpty()) {
      form.append("&scope=").append(RequestBuilder.formEncode(String.join(" ", config.scopes())));
    }
    if (config.audience() != null) {
      form.append("&audience=").append(RequestBuilder.formEncode(config.audience()));
    }
    String basic = Base64.getEncoder().encodeToString((RequestBuilder.formEncode(config.clientId()) + ":"
        + RequestBuilder.formEncode(config.clientSecret())).getBytes(StandardCharsets.UTF_8));
    HttpCall call = new HttpCall("POST", config.tokenUrl(), List.of(
        Map.entry("Content-Type", "application/x-www-form-urlencoded"), Map.entry("Accept", "application/json"),
        Map.entry("Authorization", "Basic " + basic)), form.toString().getBytes(StandardCharsets.UTF_8));
    Future<String> f = sender.send(call).compose(r -> {
      if (r.status() / 100 != 2) {
        return Future.failedFuture(new IllegalStateException("the OAuth token endpoint answered HTTP " + r.status()));
      }
      try {
        JsonNode body = json.readTree(r.body());
        String t = body.path("access_token").asText(null);
        if (t == null || !body.path("token_type").asText("bearer").toLowerCase(Locale.ROOT).equals("bearer")) {
          return Future.failedFuture(new IllegalStateException("the OAuth token endpoint returned no bearer token"));
        }
        long ttl = body.path("expires_in").asLong(300);
        synchronized (this) {
          token = t;
          tokenExpiresAt = System.currentTimeMillis() + Math.max(0, ttl - 30) * 1000;
        }
        return Future.succeededFuture(t);
      } catch (java.io.IOException e) {
        return Future.failedFuture(new IllegalStateException("the OAuth token endpoint returned invalid JSON"));
      }
    });
    fetching = f;
    f.onComplete(ar -> {
      synchronized (this) {
        fetching = null;
      }
    });
    return f;
  }

  static HttpCall withHeader(HttpCall call, String name, String value) {
    List<Map.Entry<String, String>> h = new ArrayList<>();
    for (Map.Entry<String, String> e : call.headers()) {
      if (!e.getKey().equalsIgnoreCase(name)) {
        h.add(e);
      }
    }
    h.add(Map.entry(name, value));
    return new HttpCall(call.method(), call.url(), h, call.body());
  }

  static HttpCall withQuery(HttpCall call, String name, String value) {
    String url = call.url();
    String add = RequestBuilder.encode(name, false) + "=" + RequestBuilder.encode(value, false);
    int hash = url.indexOf('#');
    if (hash >= 0) {
      url = url.substring(0, hash);
    }
    return new HttpCall(call.method(), url + (url.indexOf('?') >= 0 ? "&" : "?") + add, call.headers(), call.body());
  }
}

package dev.portcullis.identity.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.identity.SafeFetcher;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import dev.portcullis.identity.GuardedFetch;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as an OAuth client of upstream authorization servers: token requests (client
 * credentials, authorization code, refresh, RFC 8693 token exchange) and endpoint discovery
 * from RFC 8414 / OpenID metadata. Every URL obeys {@code identity.fetch} (the SSRF rules);
 * redirects are not followed. Blocking: call it on a worker thread.
 */
final class TokenEndpointClient {
  private static final Logger LOG = LoggerFactory.getLogger(TokenEndpointClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long METADATA_MS = 3600_000L;

  /** A token endpoint's successful answer. */
  record TokenResponse(String accessToken, String tokenType, long expiresIn, String refreshToken, String scope) {}

  /** An authorization server's endpoints. */
  record Endpoints(String authorization, String token, long loadedAt) {}

  /** The token endpoint refused (an OAuth error, e.g. invalid_grant) rather than failed. */
  static final class Refused extends CredentialException {
    private static final long serialVersionUID = 1L;
    final String error;

    Refused(String error, String message) {
      super(message);
      this.error = error;
    }
  }

  private final SafeFetcher fetcher;
  private final Map<String, Endpoints> discovered = new ConcurrentHashMap<>();

  TokenEndpointClient(SafeFetcher fetcher) {
    this.fetcher = fetcher;
  }

  /** The endpoints of an issuer: RFC 8414 metadata first, then OpenID discovery; cached an hour. */
  Endpoints discover(String issuer) throws CredentialException {
    Endpoints e = discovered.get(issuer);
    if (e != null && System.currentTimeMillis() - e.loadedAt() < METADATA_MS) {
      return e;
    }
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    URI u = URI.create(issuer);
    String path = u.getRawPath() == null || u.getRawPath().equals("/") ? "" : u.getRawPath();
    String rfc8414 = u.getScheme() + "://" + u.getRawAuthority() + "/.well-known/oauth-authorization-server" + path;
    IOException last = null;
    for (String doc : List.of(rfc8414, base + "/.well-known/openid-configuration")) {
      try {
        JsonNode meta = JSON.readTree(fetcher.get(URI.create(doc), "application/json"));
        if (!issuer.equals(meta.path("issuer").asText())) {
          throw new IOException("the metadata at " + doc + " names another issuer");
        }
        e = new Endpoints(meta.path("authorization_endpoint").asText(null), meta.path("token_endpoint").asText(null),
            System.currentTimeMillis());
        if (e.token() == null) {
          throw new IOException("the metadata at " + doc + " has no token_endpoint");
        }
        discovered.put(issuer, e);
        return e;
      } catch (IOException ex) {
        last = ex;
      }
    }
    LOG.warn("cannot discover the authorization server {}: {}", issuer, last == null ? "" : last.toString());
    throw new CredentialException("the upstream's authorization server is unavailable");
  }

  /**
   * POSTs a token request. With a secret the client authenticates with HTTP Basic
   * (client_secret_basic); without one it sends its client_id in the form (a public client).
   */
  TokenResponse post(String endpoint, Map<String, String> form, String clientId, String clientSecret)
      throws CredentialException {
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new CredentialException("the upstream's token endpoint is not a valid URL");
    }
    String why = fetcher.refusal(uri);
    if (why != null) {
      LOG.warn("token endpoint {} refused: {}", endpoint, why);
      throw new CredentialException("the upstream's token endpoint is refused by the gateway's fetch rules");
    }
    StringBuilder body = new StringBuilder();
    form.forEach((k, v) -> {
      if (v != null) {
        body.append(body.length() == 0 ? "" : "&").append(enc(k)).append('=').append(enc(v));
      }
    });
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("accept", "application/json");
    if (clientSecret != null) {
      headers.put("authorization", "Basic " + Base64.getEncoder().encodeToString((enc(clientId) + ":"
          + enc(clientSecret)).getBytes(StandardCharsets.UTF_8)));
    } else if (clientId != null) {
      body.append("&client_id=").append(enc(clientId));
    }
    GuardedFetch.Response r;
    try {
      r = fetcher.postForm(uri, headers, body.toString());
    } catch (IOException e) {
      LOG.warn("token endpoint {} unreachable: {}", endpoint, e.toString());
      throw new CredentialException("the upstream's token endpoint is unreachable");
    }
    JsonNode json;
    try {
      json = JSON.readTree(r.body().length == 0 ? "{}" : r.text());
    } catch (IOException e) {
      json = JSON.createObjectNode();
    }
    if (r.status() != 200) {
      String error = json.path("error").asText("");
      LOG.warn("token endpoint {} answered HTTP {} {}", endpoint, r.status(), error);
      if (!error.isEmpty()) {
        throw new Refused(error, "the upstream's authorization server refused the token request (" + error + ")");
      }
      throw new CredentialException("the upstream's token endpoint answered HTTP " + r.status());
    }
    String token = json.path("access_token").asText(null);
    String type = json.path("token_type").asText("Bearer");
    if (token == null || token.isEmpty()) {
      throw new CredentialException("the upstream's token endpoint returned no access token");
    }
    if (!type.toLowerCase(Locale.ROOT).equals("bearer") && !type.equalsIgnoreCase("N_A")) {
      throw new CredentialException("the upstream's token endpoint returned a " + type + " token (bearer expected)");
    }
    return new TokenResponse(token, type, json.path("expires_in").asLong(0), json.path("refresh_token").asText(null),
        json.path("scope").asText(null));
  }

  /** Milliseconds a token stays usable: its lifetime minus a margin (a quarter of it, at most 30 s). */
  static long usableMs(long expiresInSeconds, long defaultSeconds) {
    long ms = (expiresInSeconds > 0 ? expiresInSeconds : defaultSeconds) * 1000;
    return ms - Math.min(30_000, ms / 4);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

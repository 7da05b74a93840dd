package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.IdentityConfig.AuthorizationServerConfig;
import dev.portcullis.config.IdentityConfig.ServiceClientConfig;
import dev.portcullis.identity.SafeFetcher;
import dev.portcullis.json.JsonBodies;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Who the clients are. Three kinds: clients whose id is the https URL of a client ID metadata
 * document (draft-ietf-oauth-client-id-metadata-document; preferred: no registration, the
 * document is fetched through the SSRF-checked fetcher and cached a few minutes), clients
 * registered through RFC 7591 dynamic registration (the fallback), and the configured service
 * accounts (client credentials). Also authenticates clients at the token and revocation endpoints.
 * Blocking (fetches, store).
 */
final class ClientRegistry {
  static final String KIND = "client";
  private static final long DOCUMENT_TTL_MS = 5 * 60_000L;
  private static final long REGISTRATION_TTL_MS = 180L * 24 * 3600 * 1000;
  private static final Set<String> AUTH_METHODS = Set.of("none", "client_secret_basic", "client_secret_post");
  private static final Set<String> FORBIDDEN_SCHEMES = Set.of("javascript", "data", "file", "vbscript", "about",
      "blob", "ftp", "ws", "wss");

  /** Why a client cannot be used; the message is safe to show to the user. */
  static final class ClientProblem extends Exception {
    private static final long serialVersionUID = 1L;

    ClientProblem(String message) {
      super(message, null, false, false);
    }
  }

  private record Cached(OAuthClient client, long until) {}

  private final AuthorizationServerConfig config;
  private final OAuthStore store;
  private final SafeFetcher fetcher;
  private final boolean allowHttpIds;
  private final JsonBodies bodies;
  private final Map<String, OAuthClient> services = new LinkedHashMap<>();
  private final Map<String, ServiceClientConfig> serviceConfigs = new LinkedHashMap<>();
  private final Map<String, Cached> documents = new ConcurrentHashMap<>();

  ClientRegistry(AuthorizationServerConfig config, OAuthStore store, SafeFetcher fetcher, boolean allowHttpIds,
      JsonBodies bodies) {
    this.config = config;
    this.bodies = bodies;
    this.store = store;
    this.fetcher = fetcher;
    this.allowHttpIds = allowHttpIds;
    for (ServiceClientConfig s : config.clients()) {
      services.put(s.clientId(), new OAuthClient(s.clientId(), "service", s.clientId(), List.of(),
          "client_secret_basic", Secrets.sha256(s.clientSecret() == null ? Secrets.token() : s.clientSecret()),
          List.of("client_credentials"), String.join(" ", s.scopes()), null, 0));
      serviceConfigs.put(s.clientId(), s);
    }
  }

  ServiceClientConfig service(String clientId) {
    return serviceConfigs.get(clientId);
  }

  /** Whether a client id names a metadata document (an http(s) URL). */
  boolean isDocumentId(String clientId) {
    return clientId.startsWith("https://") || allowHttpIds && clientId.startsWith("http://");
  }

  /** The client for an id; {@link ClientProblem} when unknown or its document is unusable. */
  OAuthClient find(String clientId) throws ClientProblem {
    if (clientId == null || clientId.isEmpty() || clientId.length() > 2048) {
      throw new ClientProblem("the client_id is missing or too long");
    }
    OAuthClient s = services.get(clientId);
    if (s != null) {
      return s;
    }
    if (isDocumentId(clientId)) {
      if (!config.clientMetadataDocuments()) {
        throw new ClientProblem("client ID metadata documents are not accepted by this server");
      }
      return document(clientId);
    }
    OAuthStore.Item item = store.get(KIND, clientId);
    if (item == null) {
      throw new ClientProblem("the client is not registered (unknown client_id)");
    }
    return Grant.read(item.data(), OAuthClient.class);
  }

  private OAuthClient document(String clientId) throws ClientProblem {
    long now = System.currentTimeMillis();
    Cached c = documents.get(clientId);
    if (c != null && c.until() > now) {
      return c.client();
    }
    URI uri = documentUri(clientId);
    JsonNode doc;
    try { // the client wrote this document: it is read as strictly as a request body
      doc = bodies.object(fetcher.get(uri, "application/json").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ClientProblem("the client's metadata document could not be fetched: " + e.getMessage());
    } catch (JsonBodies.Rejected e) {
      throw new ClientProblem("the client's metadata document is not one JSON object the gateway accepts ("
          + e.reason().name().toLowerCase(Locale.ROOT) + ")");
    }
    if (!clientId.equals(doc.path("client_id").asText(null))) {
      throw new ClientProblem("the client's metadata document names another client_id");
    }
    if (doc.has("client_secret") || doc.has("client_secret_expires_at")) {
      throw new ClientProblem("a client metadata document may not carry a client secret");
    }
    String method = doc.path("token_endpoint_auth_method").asText("none");
    if (!method.equals("none")) {
      throw new ClientProblem("token_endpoint_auth_method '" + method + "' is not supported for metadata documents "
          + "(only 'none')");
    }
    List<String> redirects = redirectUris(doc.path("redirect_uris"));
    OAuthClient client = new OAuthClient(clientId, "metadata_document", text(doc, "client_name", 200), redirects,
        "none", null, grantTypes(doc.path("grant_types")), text(doc, "scope", 1000), text(doc, "client_uri", 2048),
        now / 1000);
    if (documents.size() > 1000) {
      documents.values().removeIf(x -> x.until() <= now);
      if (documents.size() > 1000) {
        documents.clear();
      }
    }
    documents.put(clientId, new Cached(client, now + DOCUMENT_TTL_MS));
    return client;
  }

  /** The metadata document URL rules: https, a path, no fragment, credentials or dot segments. */
  private URI documentUri(String clientId) throws ClientProblem {
    URI u;
    try {
      u = new URI(clientId);
    } catch (URISyntaxException e) {
      throw new ClientProblem("the client_id is not a valid URL");
    }
    String path = u.getRawPath();
    if (u.getHost() == null || u.getRawFragment() != null || u.getRawUserInfo() != null || path == null
        || path.isEmpty() || path.equals("/")) {
      throw new ClientProblem("a client_id URL needs a host and a path, and no fragment or credentials");
    }
    for (String seg : path.split("/")) {
      if (seg.equals(".") || seg.equals("..")) {
        throw new ClientProblem("a client_id URL may not contain dot segments");
      }
    }
    return u;
  }

  private static String text(JsonNode n, String field, int max) throws ClientProblem {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().length() > max) {
      throw new ClientProblem(field + " must be a string of at most " + max + " characters");
    }
    return v.asText().replaceAll("\\p{Cntrl}", " ");
  }

  private static List<String> grantTypes(JsonNode n) throws ClientProblem {
    if (n.isMissingNode() || n.isNull()) {
      return List.of("authorization_code", "refresh_token");
    }
    if (!n.isArray()) {
      throw new ClientProblem("grant_types must be an array");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode g : n) {
      String s = g.asText();
      if (!s.equals("authorization_code") && !s.equals("refresh_token")) {
        throw new ClientProblem("grant type '" + s + "' is not supported for this client");
      }
      out.add(s);
    }
    if (!out.contains("authorization_code")) {
      throw new ClientProblem("grant_types must include authorization_code");
    }
    return out;
  }

  private static List<String> redirectUris(JsonNode n) throws ClientProblem {
    if (!n.isArray() || n.isEmpty() || n.size() > 20) {
      throw new ClientProblem("redirect_uris must be a list of 1 to 20 URIs");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode r : n) {
      String why = r.isTextual() ? redirectProblem(r.asText()) : "must be a string";
      if (why != null) {
        throw new ClientProblem("redirect URI '" + r.asText() + "' " + why);
      }
      out.add(r.asText());
    }
    return out;
  }

  /**
   * Why a redirect URI cannot be registered, or null: absolute, no fragment; https, http only on
   * a loopback host (native apps, RFC 8252), or a private-use scheme (vscode:, cursor:...).
   */
  static String redirectProblem(String s) {
    URI u;
    try {
      u = new URI(s);
    } catch (URISyntaxException e) {
      return "is not a valid URI";
    }
    if (!u.isAbsolute() || u.getRawFragment() != null || s.length() > 2048) {
      return "must be absolute, without a fragment";
    }
    String scheme = u.getScheme().toLowerCase(Locale.ROOT);
    if (FORBIDDEN_SCHEMES.contains(scheme)) {
      return "uses a forbidden scheme";
    }
    if (scheme.equals("https")) {
      return u.getHost() == null ? "has no host" : null;
    }
    if (scheme.equals("http")) {
      String h = u.getHost() == null ? "" : u.getHost();
      return h.equals("localhost") || h.equals("127.0.0.1") || h.equals("[::1]") ? null
          : "may use http only on a loopback host";
    }
    return null; // private-use URI scheme of a native app
  }

  /** RFC 7591 registration: 201 with the client's metadata, or 400 invalid_redirect_uri / invalid_client_metadata. */
  Reply register(byte[] body) {
    if (!config.dynamicRegistration()) {
      return Reply.error(403, "access_denied", "dynamic client registration is disabled on this server");
    }
    JsonNode req;
    try {
      req = bodies.object(body);
    } catch (JsonBodies.Rejected e) {
      return Reply.error(400, "invalid_client_metadata", e.getMessage());
    }
    List<String> redirects;
    try {
      redirects = redirectUris(req.path("redirect_uris"));
    } catch (ClientProblem e) {
      return Reply.error(400, "invalid_redirect_uri", e.getMessage());
    }
    try {
      String method = req.path("token_endpoint_auth_method").asText("client_secret_basic");
      if (!AUTH_METHODS.contains(method)) {
        throw new ClientProblem("token_endpoint_auth_method must be one of " + AUTH_METHODS);
      }
      JsonNode rt = req.path("response_types");
      if (!rt.isMissingNode() && !(rt.isArray() && rt.size() == 1 && "code".equals(rt.get(0).asText()))) {
        throw new ClientProblem("response_types must be [\"code\"]");
      }
      List<String> grants = grantTypes(req.path("grant_types"));
      String name = text(req, "client_name", 200);
      String scope = text(req, "scope", 1000);
      String clientUri = text(req, "client_uri", 2048);
      long now = System.currentTimeMillis();
      String id = "pc_" + Secrets.random(18);
      String secret = method.equals("none") ? null : Secrets.token();
      OAuthClient c = new OAuthClient(id, "registered", name, redirects, method,
          secret == null ? null : Secrets.sha256(secret), grants, scope, clientUri, now / 1000);
      store.put(KIND, id, Grant.write(c), now + REGISTRATION_TTL_MS);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      out.put("client_id", id).put("client_id_issued_at", now / 1000);
      if (secret != null) {
        out.put("client_secret", secret).put("client_secret_expires_at", 0);
      }
      redirects.forEach(out.putArray("redirect_uris")::add);
      out.put("token_endpoint_auth_method", method);
      grants.forEach(out.putArray("grant_types")::add);
      out.putArray("response_types").add("code");
      if (name != null) {
        out.put("client_name", name);
      }
      if (scope != null) {
        out.put("scope", scope);
      }
      if (clientUri != null) {
        out.put("client_uri", clientUri);
      }
      return Reply.json(201, out);
    } catch (ClientProblem e) {
      return Reply.error(400, "invalid_client_metadata", e.getMessage());
    }
  }

  /**
   * Client authentication at the token and revocation endpoints: HTTP Basic or form credentials
   * for confidential clients, the client_id alone for public clients. {@link ClientProblem} when
   * it fails (answered 401 invalid_client).
   */
  OAuthClient authenticate(OAuthRequest r) throws ClientProblem {
    String id = r.param("client_id");
    String secret = r.param("client_secret");
    String auth = r.authorization();
    if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded = new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new ClientProblem("malformed Basic credentials");
        }
        String bid = java.net.URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8);
        String bsecret = java.net.URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8);
        if (id != null && !id.equals(bid) || secret != null) {
          throw new ClientProblem("use one client authentication method");
        }
        id = bid;
        secret = bsecret;
      } catch (IllegalArgumentException e) {
        throw new ClientProblem("malformed Basic credentials");
      }
    }
    if (id == null) {
      throw new ClientProblem("client authentication is required (client_id)");
    }
    OAuthClient c;
    try {
      c = find(id);
    } catch (ClientProblem e) {
      throw new ClientProblem("unknown client");
    }
    if (c.confidential()) {
      if (secret == null || !Secrets.same(Secrets.sha256(secret), c.secretHash())) {
        throw new ClientProblem("client authentication failed");
      }
    } else if (secret != null) {
      throw new ClientProblem("this client is public: it has no secret");
    }
    return c;
  }
}

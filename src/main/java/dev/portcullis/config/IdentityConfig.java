package dev.portcullis.config;

import java.util.List;

/**
 * How clients other than gateway keys authenticate: OAuth 2.1 bearer tokens (JWTs from trusted
 * issuers, opaque tokens through RFC 7662 introspection), and the URL fetching rules used during
 * discovery (metadata documents, JWK sets).
 *
 * @param resource this gateway's public base URL, the RFC 8707 resource identifier tokens must be
 *     bound to (default: {@code http://HOST:PORT} of the listener)
 * @param issuers trusted token issuers (an enterprise IdP); empty with no introspection: tokens off
 * @param introspection an RFC 7662 endpoint for opaque tokens, or null
 * @param llmRoutes whether the LLM routes (/v1/*) accept bearer tokens too (default false: keys only)
 * @param mcpScopes scopes a token needs for /mcp* (default: none required)
 * @param llmScopes scopes a token needs for /v1/* (default: none required)
 * @param scopesSupported advertised in the protected-resource metadata
 * @param clockSkewSeconds leeway for exp / nbf / iat
 * @param fetch rules for every URL the gateway fetches during discovery (SSRF defence)
 * @param authorizationServer the built-in authorization server, or null when off
 * @param secretsKey the key that encrypts upstream OAuth tokens at rest (per-user connections);
 *     give it through {@code ${ENV}}: 32 random bytes in base64, or a long random passphrase
 */
public record IdentityConfig(
    String resource,
    List<IssuerConfig> issuers,
    IntrospectionConfig introspection,
    Boolean llmRoutes,
    List<String> mcpScopes,
    List<String> llmScopes,
    List<String> scopesSupported,
    Long clockSkewSeconds,
    FetchConfig fetch,
    AuthorizationServerConfig authorizationServer,
    String secretsKey) {

  public IdentityConfig {
    issuers = issuers == null ? List.of() : List.copyOf(issuers);
    llmRoutes = llmRoutes != null && llmRoutes;
    mcpScopes = mcpScopes == null ? List.of() : List.copyOf(mcpScopes);
    llmScopes = llmScopes == null ? List.of() : List.copyOf(llmScopes);
    scopesSupported = scopesSupported == null ? List.of() : List.copyOf(scopesSupported);
    clockSkewSeconds = clockSkewSeconds == null ? 30L : clockSkewSeconds;
    fetch = fetch == null ? new FetchConfig(null, null, null, null, null) : fetch;
  }

  /** A configuration without a secrets key. */
  public IdentityConfig(String resource, List<IssuerConfig> issuers, IntrospectionConfig introspection,
      Boolean llmRoutes, List<String> mcpScopes, List<String> llmScopes, List<String> scopesSupported,
      Long clockSkewSeconds, FetchConfig fetch, AuthorizationServerConfig authorizationServer) {
    this(resource, issuers, introspection, llmRoutes, mcpScopes, llmScopes, scopesSupported, clockSkewSeconds, fetch,
        authorizationServer, null);
  }

  public static IdentityConfig none() {
    return new IdentityConfig(null, null, null, null, null, null, null, null, null, null, null);
  }

  /** Whether any bearer-token mechanism is configured. */
  public boolean tokensEnabled() {
    return !issuers.isEmpty() || introspection != null || authorizationServer != null;
  }

  /**
   * A trusted issuer of JWT access tokens.
   *
   * @param issuer the exact {@code iss} value
   * @param jwksUri its JWK set (default: discovered from the issuer's metadata)
   * @param audiences extra accepted {@code aud} values besides this resource (IdPs that cannot
   *     put a resource URI in {@code aud}, such as Entra ID's {@code api://...})
   * @param algorithms accepted signature algorithms (default RS256, RS384, RS512, PS256, PS384,
   *     PS512, ES256, ES384, ES512; symmetric algorithms and none are always refused)
   * @param groupsClaim the claim holding group names (default "groups")
   * @param scopeClaim the claim holding scopes (default "scope", also "scp" as a list)
   */
  public record IssuerConfig(String issuer, String jwksUri, List<String> audiences, List<String> algorithms,
      String groupsClaim, String scopeClaim) {
    public IssuerConfig {
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
      algorithms = algorithms == null ? List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
          "ES384", "ES512") : List.copyOf(algorithms);
      groupsClaim = groupsClaim == null ? "groups" : groupsClaim;
      scopeClaim = scopeClaim == null ? "scope" : scopeClaim;
    }
  }

  /** RFC 7662 token introspection, authenticated with client_secret_basic. */
  public record IntrospectionConfig(String endpoint, String clientId, String clientSecret, Long cacheSeconds,
      List<String> audiences) {
    public IntrospectionConfig {
      cacheSeconds = cacheSeconds == null ? 30L : cacheSeconds;
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
    }
  }

  /**
   * Rules for URLs fetched during discovery. By default only https URLs whose host resolves to
   * public addresses are fetched, redirects are not followed, and bodies are capped.
   *
   * @param allowPrivateNetworks also fetch from loopback, private, link-local and unique-local
   *     addresses (an IdP inside the company network, or tests)
   * @param allowHosts host names (or globs) fetched even when they resolve to private addresses
   * @param allowHttp also fetch plain http URLs
   */
  public record FetchConfig(Boolean allowPrivateNetworks, List<String> allowHosts, Boolean allowHttp, Long timeoutMs,
      Long maxBytes) {
    public FetchConfig {
      allowPrivateNetworks = allowPrivateNetworks != null && allowPrivateNetworks;
      allowHosts = allowHosts == null ? List.of() : List.copyOf(allowHosts);
      allowHttp = allowHttp != null && allowHttp;
      timeoutMs = timeoutMs == null ? 5_000L : timeoutMs;
      maxBytes = maxBytes == null ? 256L * 1024 : maxBytes;
    }
  }

  /**
   * The built-in OAuth 2.1 authorization server, federating user login to an upstream OpenID
   * Connect provider.
   *
   * @param upstream the enterprise IdP users log in at
   * @param accessTokenSeconds lifetime of the gateway's access tokens (default 600)
   * @param refreshTokenSeconds lifetime of refresh tokens (default 30 days)
   * @param scopes scopes clients may ask for (default: the mcp and llm scopes above, plus "mcp")
   * @param dynamicRegistration whether RFC 7591 registration is open (default true)
   * @param clientMetadataDocuments whether https URL client ids (metadata documents) are accepted
   */
  public record AuthorizationServerConfig(UpstreamIdpConfig upstream, Long accessTokenSeconds,
      Long refreshTokenSeconds, List<String> scopes, Boolean dynamicRegistration, Boolean clientMetadataDocuments,
      List<ServiceClientConfig> clients) {
    public AuthorizationServerConfig {
      accessTokenSeconds = accessTokenSeconds == null ? 600L : accessTokenSeconds;
      refreshTokenSeconds = refreshTokenSeconds == null ? 30L * 24 * 3600 : refreshTokenSeconds;
      scopes = scopes == null ? List.of("mcp") : List.copyOf(scopes);
      dynamicRegistration = dynamicRegistration == null || dynamicRegistration;
      clientMetadataDocuments = clientMetadataDocuments == null || clientMetadataDocuments;
      clients = clients == null ? List.of() : List.copyOf(clients);
    }
  }

  /**
   * The upstream OpenID Connect provider (Okta, Entra ID, Keycloak, Google...).
   *
   * @param sendResource whether to pass the RFC 8707 resource parameter upstream (Entra ID refuses it)
   */
  public record UpstreamIdpConfig(String issuer, String clientId, String clientSecret, List<String> scopes,
      String groupsClaim, Boolean sendResource) {
    public UpstreamIdpConfig {
      scopes = scopes == null ? List.of("openid", "profile", "email") : List.copyOf(scopes);
      groupsClaim = groupsClaim == null ? "groups" : groupsClaim;
      sendResource = sendResource != null && sendResource;
    }
  }

  /** A service account using the client credentials grant. */
  public record ServiceClientConfig(String clientId, String clientSecret, List<String> scopes, List<String> groups) {
    public ServiceClientConfig {
      scopes = scopes == null ? List.of() : List.copyOf(scopes);
      groups = groups == null ? List.of() : List.copyOf(groups);
    }
  }
}

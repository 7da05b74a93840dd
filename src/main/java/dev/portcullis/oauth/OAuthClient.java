package dev.portcullis.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A client of the authorization server.
 *
 * @param kind {@code metadata_document} (client ID metadata document), {@code registered} (RFC
 *     7591) or {@code service} (a configured service account)
 * @param authMethod {@code none} (public client, PKCE only), {@code client_secret_basic} or
 *     {@code client_secret_post}
 * @param secretHash SHA-256 of the client secret (confidential clients), else null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record OAuthClient(String clientId, String kind, String name, List<String> redirectUris, String authMethod,
    String secretHash, List<String> grantTypes, String scope, String clientUri, long issuedAt) {
  OAuthClient {
    redirectUris = redirectUris == null ? List.of() : List.copyOf(redirectUris);
    grantTypes = grantTypes == null ? List.of("authorization_code", "refresh_token") : List.copyOf(grantTypes);
  }

  boolean confidential() {
    return secretHash != null;
  }

  /** Exact string comparison (OAuth 2.1 section 2.3.1): no prefix, no pattern, no port leeway. */
  boolean allowsRedirect(String uri) {
    return uri != null && redirectUris.contains(uri);
  }

  /** What the consent page shows as the client's name. */
  String displayName() {
    return name == null || name.isBlank() ? clientId : name;
  }
}

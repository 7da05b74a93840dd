package dev.portcullis.oauth;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/**
 * What a user (or a service account) authorized a client to do, carried by a code and by the
 * refresh tokens that follow it: the client, the redirect URI and PKCE challenge (codes only),
 * the scopes, the resource (token audience), the token family (one per authorization, for
 * revocation) and the user's identity as the upstream IdP asserted it.
 *
 * @param claims claims copied into the gateway's access tokens (email, name, groups, idp)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Grant(String clientId, String redirectUri, String codeChallenge, String scope, String resource,
    String family, String subject, Map<String, Object> claims, long authTime) {
  /** The user claims copied from the upstream ID token into the gateway's access tokens. */
  static final java.util.Set<String> COPIED_CLAIMS = java.util.Set.of("email", "email_verified", "name",
      "preferred_username", "groups", "idp");
  static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  String json() {
    return write(this);
  }

  static Grant parse(String s) {
    return read(s, Grant.class);
  }

  Grant withFamily(String f) {
    return new Grant(clientId, redirectUri, codeChallenge, scope, resource, f, subject, claims, authTime);
  }

  Grant withScope(String s) {
    return new Grant(clientId, redirectUri, codeChallenge, s, resource, family, subject, claims, authTime);
  }

  static String write(Object o) {
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T read(String s, Class<T> type) {
    try {
      return JSON.readValue(s, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt authorization server item", e);
    }
  }
}

package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The authorization server's metadata: RFC 8414 at {@code /.well-known/oauth-authorization-server}
 * and the same document, with the OpenID Connect discovery fields, at
 * {@code /.well-known/openid-configuration} (for clients that only try that one).
 */
final class Metadata {
  private Metadata() {}

  static ObjectNode document(String issuer, List<String> scopes, boolean registration, boolean documents,
      boolean openid) {
    ObjectNode m = JsonNodeFactory.instance.objectNode();
    m.put("issuer", issuer);
    m.put("authorization_endpoint", issuer + "/oauth/authorize");
    m.put("token_endpoint", issuer + "/oauth/token");
    m.put("jwks_uri", issuer + "/oauth/jwks.json");
    if (registration) {
      m.put("registration_endpoint", issuer + "/oauth/register");
    }
    m.put("revocation_endpoint", issuer + "/oauth/revoke");
    list(m, "scopes_supported", scopes);
    list(m, "response_types_supported", List.of("code"));
    list(m, "response_modes_supported", List.of("query"));
    list(m, "grant_types_supported", List.of("authorization_code", "refresh_token", "client_credentials"));
    list(m, "code_challenge_methods_supported", List.of("S256"));
    List<String> auth = List.of("none", "client_secret_basic", "client_secret_post");
    list(m, "token_endpoint_auth_methods_supported", auth);
    list(m, "revocation_endpoint_auth_methods_supported", auth);
    m.put("authorization_response_iss_parameter_supported", true);
    m.put("client_id_metadata_document_supported", documents);
    if (openid) {
      list(m, "subject_types_supported", List.of("public"));
      list(m, "id_token_signing_alg_values_supported", List.of("ES256"));
    }
    return m;
  }

  private static void list(ObjectNode m, String field, List<String> values) {
    ArrayNode a = m.putArray(field);
    values.forEach(a::add);
  }
}

package dev.portcullis.oauth;

import java.util.List;
import java.util.Map;

/**
 * What an endpoint needs of an HTTP request: its parameters (query for GET, form body for POST),
 * a few headers, cookies and the raw body (registration).
 */
record OAuthRequest(Map<String, List<String>> params, String authorization, Map<String, String> cookies,
    byte[] body, String contentType) {

  /** The single value of a parameter; null when absent. */
  String param(String name) {
    List<String> v = params.get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** The first parameter among {@code names} sent more than once (RFC 6749 section 3.1), or null. */
  String repeated(String... names) {
    for (String n : names) {
      List<String> v = params.get(n);
      if (v != null && v.size() > 1) {
        return n;
      }
    }
    return null;
  }

  String cookie(String name) {
    return cookies.get(name);
  }
}

package dev.portcullis.oauth;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An HTTP answer of the authorization server, built off the event loop and written on it. */
record Reply(int status, String contentType, String body, Map<String, String> headers, List<String> cookies) {

  static Reply json(int status, ObjectNode body) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("cache-control", "no-store");
    h.put("pragma", "no-cache");
    return new Reply(status, "application/json", body.toString(), h, new ArrayList<>());
  }

  /** An OAuth error answer (RFC 6749 section 5.2). */
  static Reply error(int status, String error, String description) {
    ObjectNode b = JsonNodeFactory.instance.objectNode().put("error", error);
    if (description != null) {
      b.put("error_description", description);
    }
    Reply r = json(status, b);
    if (status == 401) {
      r.headers().put("www-authenticate", "Basic realm=\"portcullis\"");
    }
    return r;
  }

  static Reply redirect(String location) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("location", location);
    h.put("cache-control", "no-store");
    h.put("referrer-policy", "no-referrer");
    return new Reply(302, null, null, h, new ArrayList<>());
  }

  /** A server-rendered page that may not be framed, cached, or leak its URL. */
  static Reply html(int status, String html) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("cache-control", "no-store");
    h.put("x-frame-options", "DENY");
    // no form-action: browsers apply it to the redirect that follows the consent form too, and that
    // goes to the client's redirect URI (any origin, or a native app's scheme)
    h.put("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
        + "base-uri 'none'");
    h.put("referrer-policy", "no-referrer");
    h.put("x-content-type-options", "nosniff");
    return new Reply(status, "text/html; charset=utf-8", html, h, new ArrayList<>());
  }

  Reply cookie(String setCookie) {
    cookies.add(setCookie);
    return this;
  }

  /** {@code base} with query parameters appended (null values skipped). */
  static String withQuery(String base, Map<String, String> params) {
    StringBuilder sb = new StringBuilder(base);
    char sep = base.contains("?") ? '&' : '?';
    for (Map.Entry<String, String> e : params.entrySet()) {
      if (e.getValue() == null) {
        continue;
      }
      sb.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
      sep = '&';
    }
    return sb.toString();
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}

package dev.portcullis.mcp.downstream;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * DNS-rebinding protection: a request carrying an {@code Origin} header is accepted only when the
 * origin is on the allow-list, or (with no list configured) is a loopback origin. Requests with
 * no Origin (non-browser clients) are accepted.
 */
public final class OriginPolicy {
  private final List<String> allowed;

  public OriginPolicy(List<String> allowed) {
    this.allowed = allowed.stream().map(o -> o.toLowerCase(Locale.ROOT).replaceAll("/+$", "")).toList();
  }

  public boolean permits(String origin) {
    if (origin == null) {
      return true;
    }
    String o = origin.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
    if (allowed.contains("*") || allowed.contains(o)) {
      return true;
    }
    if (!allowed.isEmpty()) {
      return false;
    }
    try {
      String host = URI.create(o).getHost();
      return host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}

package dev.portcullis.identity;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.portcullis.config.IdentityConfig.FetchConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * Fetches the URLs named during discovery (authorization server metadata, JWK sets, client ID
 * metadata documents) with the SSRF defence applied: https only (unless allowed), no redirects,
 * a capped body, a timeout, and no loopback, private, link-local, unique-local, multicast or
 * wildcard addresses unless the configuration allows them. Blocking: call it off the event loop.
 *
 * <p>The check resolves the host and refuses when any address is internal; a DNS answer that
 * changes between check and connect (rebinding) is narrowed but not excluded by this check.
 */
public final class SafeFetcher implements ResourceRetriever {
  private final FetchConfig rules;
  private final HttpClient http;

  public SafeFetcher(FetchConfig rules) {
    this.rules = rules;
    this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
        .connectTimeout(Duration.ofMillis(rules.timeoutMs())).build();
  }

  /** Why this URL may not be fetched, or null when it may. */
  public String refusal(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && rules.allowHttp())) {
      return "only https URLs are fetched";
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      return "the URL has no host";
    }
    if (uri.getUserInfo() != null) {
      return "URLs with credentials are not fetched";
    }
    if (rules.allowPrivateNetworks()) {
      return null;
    }
    for (String allowed : rules.allowHosts()) {
      if (Globs.matches(allowed.toLowerCase(Locale.ROOT), host.toLowerCase(Locale.ROOT))) {
        return null;
      }
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      return "the host does not resolve";
    }
    for (InetAddress a : addresses) {
      if (InternalAddresses.kind(a) != null) {
        return "the host resolves to an internal address";
      }
    }
    return null;
  }

  /** The body of a 200 answer to a GET, as a string; IOException with the reason otherwise. */
  public String get(URI uri, String accept) throws IOException {
    return fetch(uri, accept).getContent();
  }

  private Resource fetch(URI uri, String accept) throws IOException {
    String why = refusal(uri);
    if (why != null) {
      throw new IOException("refused to fetch " + uri + ": " + why);
    }
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(rules.timeoutMs()))
        .header("accept", accept).GET().build();
    HttpResponse<InputStream> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    try (InputStream in = resp.body()) {
      if (resp.statusCode() != 200) {
        throw new IOException("fetching " + uri + " answered HTTP " + resp.statusCode());
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[8192];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
        if (out.size() > rules.maxBytes()) {
          throw new IOException("the document at " + uri + " is larger than " + rules.maxBytes() + " bytes");
        }
      }
      return new Resource(out.toString(StandardCharsets.UTF_8),
          resp.headers().firstValue("content-type").orElse(null));
    }
  }

  @Override
  public Resource retrieveResource(URL url) throws IOException {
    try {
      return fetch(url.toURI(), "application/jwk-set+json, application/json");
    } catch (java.net.URISyntaxException e) {
      throw new IOException("bad URL " + url, e);
    }
  }
}

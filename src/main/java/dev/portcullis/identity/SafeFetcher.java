package dev.portcullis.identity;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import dev.portcullis.config.IdentityConfig.FetchConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.util.Locale;
import java.util.Map;

/**
 * The {@link GuardedFetch} under the {@code identity.fetch} rules, for discovery (authorization
 * server metadata, JWK sets, client ID metadata documents) and token and introspection endpoints:
 * https only (unless allowed), no redirects, a capped body, a timeout, and no loopback, private,
 * link-local, unique-local, multicast or wildcard addresses unless the configuration allows them.
 * Also Nimbus's {@link ResourceRetriever}, so JWK sets are fetched the same way. Blocking: call it
 * off the event loop.
 */
public final class SafeFetcher implements ResourceRetriever {
  private static final String HINT = " (allow it with identity.fetch.allow_hosts or allow_private_networks)";
  private final GuardedFetch fetch;

  public SafeFetcher(Vertx vertx, FetchConfig rules) {
    // redirects are not followed: a metadata document or key set that moves is a configuration
    // change the operator should see, not something to chase
    this.fetch = new GuardedFetch(vertx, new GuardedFetch.Rules(rules.allowHttp(), addresses(rules),
        rules.timeoutMs(), rules.maxBytes(), 0));
  }

  private static GuardedFetch.Addresses addresses(FetchConfig rules) {
    return (host, address) -> {
      if (rules.allowPrivateNetworks()) {
        return null;
      }
      for (String allowed : rules.allowHosts()) {
        if (Globs.matches(allowed.toLowerCase(Locale.ROOT), host.toLowerCase(Locale.ROOT))) {
          return null;
        }
      }
      String kind = InternalAddresses.kind(address);
      return kind == null ? null
          : "the host resolves to an internal address, " + address.getHostAddress() + " (" + kind + ")" + HINT;
    };
  }

  /** Why this URL may not be fetched, or null when it may. */
  public String refusal(URI uri) {
    return fetch.refusal(uri);
  }

  /** The body of a 200 answer to a GET, as a string; IOException with the reason otherwise. */
  public String get(URI uri, String accept) throws IOException {
    return fetch.get(uri, accept).text();
  }

  /** POSTs a form (token and introspection requests); the answer whatever its status. */
  public GuardedFetch.Response postForm(URI uri, Map<String, String> headers, String form) throws IOException {
    return fetch.postForm(uri, headers, form);
  }

  @Override
  public Resource retrieveResource(URL url) throws IOException {
    try {
      GuardedFetch.Response r = fetch.get(url.toURI(), "application/jwk-set+json, application/json");
      return new Resource(r.text(), r.contentType());
    } catch (java.net.URISyntaxException e) {
      throw new IOException("bad URL " + url, e);
    }
  }
}

package dev.portcullis.identity.credentials;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.Principal;
import dev.portcullis.oauth.OAuthStore;
import dev.portcullis.oauth.Secrets;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-user OAuth connections to upstream apps: the user authorises the upstream once through the
 * gateway (authorization code with PKCE S256 and a single-use state bound to that user), the
 * gateway keeps the tokens encrypted ({@link TokenCipher}) in a {@link ConnectionStore},
 * refreshes them with the refresh token when they near expiry, and uses them only for that user.
 * Blocking: call it on a worker thread.
 *
 * <p>A browser opening the connect link carries no gateway credential, so the link holds a
 * single-use ticket (256 random bits, 10 minutes) naming the user it was made for; the page it
 * opens says which gateway user the account will be connected to before anything happens.
 */
public final class Connections {
  private static final Logger LOG = LoggerFactory.getLogger(Connections.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String TICKET = "upstream_connect_ticket";
  static final String STATE = "upstream_connect_state";
  private static final long TXN_MS = 10 * 60_000L;
  /** Refresh this long before the upstream token expires. */
  private static final long MARGIN_MS = 60_000L;
  /** Decrypted tokens are reused this long at most (a delete on another replica takes effect by then). */
  private static final long HOT_MS = 60_000L;

  /** A ticket's content: whose connect link it is. */
  public record Ticket(String upstream, String userId, String userName) {}

  private record Hot(String token, long until) {}

  private final Map<String, AuthConfig> upstreams;
  private final TokenEndpointClient client;
  private final TokenCipher cipher;
  private final ConnectionStore store;
  private final OAuthStore pending;
  private final Map<String, Hot> hot = new ConcurrentHashMap<>();
  private final Set<String> forced = ConcurrentHashMap.newKeySet();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final AtomicLong lastPurge = new AtomicLong(System.currentTimeMillis());
  /** The gateway's public base URL, no trailing slash, once the listener is bound. */
  private final java.util.function.Supplier<String> publicUrl;

  Connections(Map<String, AuthConfig> upstreams, TokenEndpointClient client, TokenCipher cipher, ConnectionStore store,
      OAuthStore pending, java.util.function.Supplier<String> publicUrl) {
    this.upstreams = Map.copyOf(upstreams);
    this.client = client;
    this.cipher = cipher;
    this.store = store;
    this.pending = pending;
    this.publicUrl = publicUrl;
  }

  public String base() {
    return publicUrl.get();
  }

  public boolean serves(String upstream) {
    return upstreams.containsKey(upstream);
  }

  private String redirectUri() {
    return base() + "/connections/callback";
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** How the user is shown on the connect page: email, username, subject, or the principal id. */
  static String displayName(Principal p) {
    for (String c : new String[] {"email", "preferred_username"}) {
      Object v = p.claims().get(c);
      if (v != null) {
        return String.valueOf(v);
      }
    }
    return p.subject() != null ? p.subject() : p.id();
  }

  /** A fresh single-use link (10 minutes) at which this user connects their account for the upstream. */
  public String connectUrl(String upstream, Principal p) {
    purgeNowAndThen();
    String ticket = Secrets.token();
    ObjectNode t = JSON.createObjectNode().put("upstream", upstream).put("user", p.id()).put("name", displayName(p));
    pending.put(TICKET, Secrets.sha256(ticket), t.toString(), System.currentTimeMillis() + TXN_MS);
    return base() + "/connections/" + enc(upstream) + "/start?ticket=" + enc(ticket);
  }

  /** What a ticket stands for (without using it up), or null when unknown, used or expired. */
  public Ticket peek(String upstream, String ticket) {
    if (ticket == null) {
      return null;
    }
    OAuthStore.Item i = pending.get(TICKET, Secrets.sha256(ticket));
    return i == null || i.consumed() ? null : ticketOf(upstream, i.data());
  }

  private static Ticket ticketOf(String upstream, String data) {
    try {
      JsonNode t = JSON.readTree(data);
      return upstream.equals(t.path("upstream").asText()) ? new Ticket(upstream, t.path("user").asText(),
          t.path("name").asText()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Uses up a ticket and answers where the browser goes to authorise the upstream. */
  public String startWithTicket(String upstream, String ticket) throws CredentialException {
    OAuthStore.Item i = ticket == null ? null : pending.consume(TICKET, Secrets.sha256(ticket));
    Ticket t = i == null || i.consumed() ? null : ticketOf(upstream, i.data());
    if (t == null) {
      throw new CredentialException("this connect link has expired or was already used; call the tool again for a "
          + "new one");
    }
    return authorizationUrl(upstream, t.userId());
  }

  /** Where an authenticated caller's browser goes to authorise the upstream. */
  public String start(String upstream, Principal p) throws CredentialException {
    return authorizationUrl(upstream, p.id());
  }

  private String authorizationUrl(String upstream, String userId) throws CredentialException {
    AuthConfig a = upstreams.get(upstream);
    if (a == null) {
      throw new CredentialException("no upstream '" + upstream + "' takes per-user connections");
    }
    String endpoint = a.authorizationUrl() != null ? a.authorizationUrl() : client.discover(a.issuer()).authorization();
    if (endpoint == null) {
      throw new CredentialException("the upstream's authorization server names no authorization endpoint");
    }
    String state = Secrets.token();
    String verifier = Secrets.random(48);
    ObjectNode txn = JSON.createObjectNode().put("upstream", upstream).put("user", userId).put("verifier", verifier);
    pending.put(STATE, Secrets.sha256(state), txn.toString(), System.currentTimeMillis() + TXN_MS);
    Map<String, String> q = new LinkedHashMap<>();
    q.put("response_type", "code");
    q.put("client_id", a.clientId());
    q.put("redirect_uri", redirectUri());
    if (!a.scopes().isEmpty()) {
      q.put("scope", String.join(" ", a.scopes()));
    }
    q.put("state", state);
    q.put("code_challenge", Secrets.s256(verifier));
    q.put("code_challenge_method", "S256");
    q.put("resource", a.resource());
    StringBuilder sb = new StringBuilder(endpoint);
    char sep = endpoint.contains("?") ? '&' : '?';
    for (Map.Entry<String, String> e : q.entrySet()) {
      if (e.getValue() != null) {
        sb.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
        sep = '&';
      }
    }
    return sb.toString();
  }

  /**
   * The upstream's answer at {@code /connections/callback}: consumes the state (single use),
   * exchanges the code with the PKCE verifier and stores the tokens for the user who started.
   * Returns the upstream's name.
   */
  public String callback(String state, String code, String error, String iss) throws CredentialException {
    OAuthStore.Item i = state == null ? null : pending.consume(STATE, Secrets.sha256(state));
    if (i == null || i.consumed()) {
      throw new CredentialException("this authorization answer is unknown, expired or was already used");
    }
    JsonNode txn;
    try {
      txn = JSON.readTree(i.data());
    } catch (IOException e) {
      throw new CredentialException("the authorization transaction is corrupt");
    }
    String upstream = txn.path("upstream").asText();
    String userId = txn.path("user").asText();
    AuthConfig a = upstreams.get(upstream);
    if (a == null) {
      throw new CredentialException("no upstream '" + upstream + "' takes per-user connections");
    }
    if (error != null) {
      throw new CredentialException("the upstream did not authorise the connection (" + error + ")");
    }
    if (iss != null && a.issuer() != null && !iss.equals(a.issuer())) {
      throw new CredentialException("the authorization answer came from another issuer");
    }
    if (code == null || code.isEmpty()) {
      throw new CredentialException("the authorization answer has no code");
    }
    Map<String, String> form = new LinkedHashMap<>();
    form.put("grant_type", "authorization_code");
    form.put("code", code);
    form.put("redirect_uri", redirectUri());
    form.put("code_verifier", txn.path("verifier").asText());
    form.put("resource", a.resource());
    TokenEndpointClient.TokenResponse r = client.post(tokenEndpoint(a), form, a.clientId(), a.clientSecret());
    save(upstream, userId, r, null, System.currentTimeMillis());
    LOG.atInfo().addKeyValue("upstream", upstream).addKeyValue("principal", userId).log("upstream connection made");
    return upstream;
  }

  private String tokenEndpoint(AuthConfig a) throws CredentialException {
    return a.tokenUrl() != null ? a.tokenUrl() : client.discover(a.issuer()).token();
  }

  private void save(String upstream, String userId, TokenEndpointClient.TokenResponse r, JsonNode previous,
      long now) {
    ObjectNode rec = JSON.createObjectNode();
    rec.put("access_token", r.accessToken());
    String refresh = r.refreshToken() != null ? r.refreshToken()
        : previous == null ? null : previous.path("refresh_token").asText(null); // not rotated: keep the old one
    if (refresh != null) {
      rec.put("refresh_token", refresh);
    }
    rec.put("expires_at", r.expiresIn() > 0 ? now + r.expiresIn() * 1000 : 0);
    String scope = r.scope() != null ? r.scope() : previous == null ? null : previous.path("scope").asText(null);
    if (scope != null) {
      rec.put("scope", scope);
    }
    rec.put("connected_at", previous == null ? now : previous.path("connected_at").asLong(now));
    store.put(upstream, userId, cipher.encrypt(upstream, userId, rec.toString()), now);
    hot.remove(key(upstream, userId));
  }

  private static String key(String upstream, String userId) {
    return upstream + '\u0000' + userId;
  }

  private JsonNode load(String upstream, String userId) {
    ConnectionStore.Row row = store.get(upstream, userId);
    if (row == null) {
      return null;
    }
    try {
      return JSON.readTree(cipher.decrypt(upstream, userId, row.sealed()));
    } catch (IOException | IllegalArgumentException e) {
      LOG.atWarn().addKeyValue("upstream", upstream).addKeyValue("principal", userId)
          .log("an upstream connection record does not decrypt (secrets key changed?); the user must connect again");
      return null;
    }
  }

  /**
   * The user's access token for the upstream, refreshed first when it is about to expire (or the
   * upstream refused it). {@link CredentialException.NotConnected} when the user has no usable
   * connection: it names the link to connect at.
   */
  public String accessToken(String upstream, Principal p) throws CredentialException {
    String userId = p.id();
    String k = key(upstream, userId);
    long now = System.currentTimeMillis();
    Hot h = hot.get(k);
    if (h != null && now < h.until() && !forced.contains(k)) {
      return h.token();
    }
    synchronized (locks.computeIfAbsent(k, x -> new Object())) {
      now = System.currentTimeMillis();
      h = hot.get(k);
      if (h != null && now < h.until() && !forced.contains(k)) {
        return h.token();
      }
      JsonNode rec = load(upstream, userId);
      if (rec == null) {
        throw notConnected(upstream, p, "you have not connected your account for '" + upstream + "' yet");
      }
      long expiresAt = rec.path("expires_at").asLong(0);
      boolean force = forced.remove(k);
      boolean stale = force || expiresAt > 0 && now >= expiresAt - MARGIN_MS;
      String token = rec.path("access_token").asText();
      if (stale) {
        String refresh = rec.path("refresh_token").asText(null);
        if (refresh == null) {
          if (!force && expiresAt > 0 && now < expiresAt) {
            hot.put(k, new Hot(token, expiresAt));
            return token; // nearly expired and not refreshable: use it while it lasts
          }
          store.delete(upstream, userId);
          throw notConnected(upstream, p, "your connection for '" + upstream + "' has expired");
        }
        AuthConfig a = upstreams.get(upstream);
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refresh);
        form.put("resource", a.resource());
        TokenEndpointClient.TokenResponse r;
        try {
          r = client.post(tokenEndpoint(a), form, a.clientId(), a.clientSecret());
        } catch (TokenEndpointClient.Refused e) {
          if ("invalid_grant".equals(e.error)) {
            store.delete(upstream, userId);
            throw notConnected(upstream, p, "the upstream revoked your connection for '" + upstream + "'");
          }
          throw e;
        }
        save(upstream, userId, r, rec, now);
        LOG.atInfo().addKeyValue("upstream", upstream).addKeyValue("principal", userId)
            .log("upstream connection refreshed");
        token = r.accessToken();
        expiresAt = r.expiresIn() > 0 ? now + r.expiresIn() * 1000 : 0;
      }
      long until = now + HOT_MS;
      if (expiresAt > 0) {
        until = Math.min(until, expiresAt - MARGIN_MS);
      }
      hot.put(k, new Hot(token, until));
      return token;
    }
  }

  private CredentialException.NotConnected notConnected(String upstream, Principal p, String why) {
    return new CredentialException.NotConnected(upstream, connectUrl(upstream, p), why);
  }

  /** The upstream refused the user's token: refresh before the next use. True when a refresh is possible. */
  public boolean rejected(String upstream, Principal p) {
    String k = key(upstream, p.id());
    hot.remove(k);
    forced.add(k);
    return true;
  }

  /** The caller's connection status for every upstream that takes per-user connections. */
  public List<ObjectNode> list(Principal p) {
    List<ObjectNode> out = new ArrayList<>();
    for (String upstream : new java.util.TreeSet<>(upstreams.keySet())) {
      ObjectNode o = JSON.createObjectNode().put("upstream", upstream);
      JsonNode rec = load(upstream, p.id());
      o.put("connected", rec != null);
      if (rec != null) {
        o.put("connected_at", rec.path("connected_at").asLong());
        if (rec.path("expires_at").asLong(0) > 0) {
          o.put("expires_at", rec.path("expires_at").asLong());
        }
        o.put("refreshable", rec.hasNonNull("refresh_token"));
        if (rec.hasNonNull("scope")) {
          o.put("scope", rec.path("scope").asText());
        }
      } else {
        o.put("connect_url", connectUrl(upstream, p));
      }
      out.add(o);
    }
    return out;
  }

  /** Forgets the caller's connection (the gateway's copy of the tokens). */
  public boolean delete(String upstream, Principal p) {
    hot.remove(key(upstream, p.id()));
    return store.delete(upstream, p.id());
  }

  private void purgeNowAndThen() {
    long now = System.currentTimeMillis();
    long last = lastPurge.get();
    if (now - last > 60_000 && lastPurge.compareAndSet(last, now)) {
      try {
        pending.purge(now);
      } catch (RuntimeException e) {
        LOG.warn("cannot purge expired connection transactions: {}", e.toString());
      }
    }
  }
}

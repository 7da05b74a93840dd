package dev.portcullis.identity;

import java.util.Set;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.NettyWrapper;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/** A real OpenID Connect provider in-process (mock-oauth2-server on its Netty server), for tests. */
public final class MockIdp {
  private MockIdp() {}

  public static MockOAuth2Server start() {
    MockOAuth2Server s = new MockOAuth2Server(new OAuth2Config(false, null, null, true,
        new OAuth2TokenProvider(), Set.of(), new NettyWrapper(null)));
    s.start();
    return s;
  }
}

package dev.portcullis.app;

import java.util.function.Supplier;

/**
 * The gateway's public base URL, no trailing slash: {@code identity.resource} when the
 * configuration gives it, else the listener's address. Components that put it in answers (OAuth
 * metadata and issuer, connection callbacks, the console's sign-in callback) take this by
 * constructor and read it when they answer; it is known once the listener is bound, which with
 * port 0 is after they are built.
 */
public final class PublicUrl implements Supplier<String> {
  private final String configured;
  private final String host;
  private volatile String listener;

  /**
   * @param resource {@code identity.resource}, or null
   * @param host the host the listener binds ({@code server.host})
   */
  PublicUrl(String resource, String host) {
    this.configured = resource == null ? null : strip(resource);
    this.host = host;
  }

  /** The listener is bound to {@code port}: called once, before the gateway reports it listens. */
  void listening(int port) {
    // a wildcard address is not one a client can be sent to: this machine's loopback is
    String h = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    listener = "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
  }

  /** The public base URL, null until the listener is bound when the configuration names none. */
  @Override
  public String get() {
    return configured != null ? configured : listener;
  }

  private static String strip(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}

package dev.portcullis.ui;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A browser-less console visitor over plain HTTP: it keeps the session cookie by hand, as a browser would. */
public final class ConsoleClient {
  public static final String COOKIE_NAME = Console.COOKIE;
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final Pattern COOKIE = Pattern.compile(COOKIE_NAME + "=([^;]*)");

  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  public String cookie;

  public ConsoleClient(String base) {
    this.base = base;
  }

  public HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return remember(http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
  }

  public HttpResponse<String> post(String path, Map<String, String> form) throws IOException, InterruptedException {
    StringBuilder body = new StringBuilder();
    form.forEach((k, v) -> body.append(body.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
        .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
    return remember(http.send(request(path).header("content-type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString()));
  }

  /** Opens the sign-in form and signs in with {@code key}; the answer to the sign-in POST. */
  public HttpResponse<String> signIn(String key) throws IOException, InterruptedException {
    String csrf = csrf(get("/ui/login").body());
    return post("/ui/login", form("csrf", csrf, "key", key));
  }

  public static String csrf(String page) {
    Matcher m = CSRF.matcher(page);
    if (!m.find()) {
      throw new AssertionError("no CSRF field in the page: " + page);
    }
    return m.group(1);
  }

  public static Map<String, String> form(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The Set-Cookie header of the session cookie in this response, if it set one. */
  public static Optional<String> setCookie(HttpResponse<?> r) {
    return r.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(COOKIE_NAME + "=")).findFirst();
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    if (cookie != null) {
      b.header("cookie", COOKIE_NAME + "=" + cookie);
    }
    return b;
  }

  private HttpResponse<String> remember(HttpResponse<String> r) {
    setCookie(r).ifPresent(c -> {
      Matcher m = COOKIE.matcher(c);
      if (m.find()) {
        cookie = m.group(1).isEmpty() ? null : m.group(1);
      }
    });
    return r;
  }
}

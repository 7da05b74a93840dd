package dev.portcullis.mcp.openapi;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves fixed documents and redirects on one loopback address (127.0.0.2 and the like are all
 * loopback on Linux, so one test can have an "allowed" host and an "internal" one), and counts
 * the requests it gets.
 */
final class DocumentServer implements AutoCloseable {
  private final HttpServer server;
  private final String host;
  private final Map<String, String> documents = new ConcurrentHashMap<>();
  private final Map<String, String> redirects = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();

  DocumentServer(String address) throws IOException {
    host = address;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(address), 0), 0);
    server.createContext("/", ex -> {
      requests.incrementAndGet();
      String path = ex.getRequestURI().getPath();
      String to = redirects.get(path);
      String doc = documents.get(path);
      if (to != null) {
        ex.getResponseHeaders().add("location", to);
        ex.sendResponseHeaders(302, -1);
      } else if (doc != null) {
        byte[] b = doc.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("content-type", "application/json");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      } else {
        ex.sendResponseHeaders(404, -1);
      }
      ex.close();
    });
    server.start();
  }

  String url(String path) {
    return "http://" + host + ":" + server.getAddress().getPort() + path;
  }

  DocumentServer document(String path, String json) {
    documents.put(path, json);
    return this;
  }

  DocumentServer redirect(String path, String location) {
    redirects.put(path, location);
    return this;
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}

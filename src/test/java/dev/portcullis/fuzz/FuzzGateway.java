package dev.portcullis.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Shared pieces of the HTTP fuzz tests: a gateway started once per test class, a client whose
 * timeout turns a hang into a failure, and the invariants every answer of ours must keep.
 */
final class FuzzGateway {
  static final ObjectMapper JSON = new ObjectMapper();
  /** No single answer may take longer than this: a hang is a finding. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);

  private FuzzGateway() {
  }

  /**
   * The test and the gateway talk to each other and to the test's fakes on loopback, which
   * Jazzer's SSRF detector would otherwise report; any other destination still is a finding.
   * Called at the start of every fuzz test execution, as Jazzer asks.
   */
  static SilentCloseable loopbackOnly() {
    return BugDetectors.allowNetworkConnections((host, port) -> host.startsWith("127.") || host.equals("localhost"));
  }

  static HttpClient client() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<byte[]> post(HttpClient http, GatewayHarness gw, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).timeout(ANSWER_TIMEOUT)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * What every answer of ours keeps: no 500 (a 500 means a bug escaped as an exception), and a
   * JSON answer is JSON; an error answer carries the surface's error object.
   */
  static JsonNode assertWellFormed(HttpResponse<byte[]> r, String errorField) throws Exception {
    assertThat(r.statusCode()).as("status (500 means an unhandled exception)").isNotEqualTo(500);
    String type = r.headers().firstValue("content-type").orElse("");
    if (type.startsWith("text/event-stream")) {
      return null;
    }
    if (r.body().length == 0 && (r.statusCode() == 202 || r.statusCode() == 204)) {
      return null;
    }
    assertThat(type).as("content type of a %d answer", r.statusCode()).startsWith("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body).as("body of a %d answer", r.statusCode()).isNotNull();
    if (r.statusCode() >= 400 && errorField != null) {
      assertThat(body.has(errorField)).as("error answer has %s: %s", errorField, body).isTrue();
    }
    return body;
  }
}

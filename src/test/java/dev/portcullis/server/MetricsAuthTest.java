package dev.portcullis.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testing.GatewayHarness;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code metrics.auth}: /metrics behind a bearer token, 401 with a challenge otherwise. */
class MetricsAuthTest {
  static final String TOKEN = "scrape-me-7f3a91";
  static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    gw = GatewayHarness.start("""
        metrics:
          auth: { type: bearer, token: %s }
        models:
          demo:
            deployments: [ { type: demo } ]
        """.formatted(TOKEN));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
  }

  HttpResponse<String> scrape(String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/metrics"));
    if (authorization != null) {
      b.header("authorization", authorization);
    }
    return gw.send(b.build());
  }

  @Test
  void withoutTheTokenTheAnswerIs401WithABearerChallenge() throws Exception {
    for (String wrong : new String[] {null, "Bearer " + TOKEN + "x", "Bearer " + TOKEN.substring(1),
        "Bearer " + GatewayHarness.KEY, "Basic " + TOKEN, TOKEN}) {
      HttpResponse<String> r = scrape(wrong);
      assertThat(r.statusCode()).as(String.valueOf(wrong)).isEqualTo(401);
      assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer realm=\"metrics\"");
      assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
      assertThat(r.body()).contains("\"error\"").doesNotContain("portcullis_");
    }
  }

  @Test
  void withTheTokenTheExpositionIsServed() throws Exception {
    for (String right : new String[] {"Bearer " + TOKEN, "bearer " + TOKEN}) {
      HttpResponse<String> r = scrape(right);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(r.body()).contains("portcullis_connections_open");
    }
  }
}

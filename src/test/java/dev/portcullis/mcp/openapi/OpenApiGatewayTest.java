package dev.portcullis.mcp.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.mcp.McpTestClient;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.GatewayHarness;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAPI upstreams behind /mcp, called with raw MCP requests: the exact HTTP requests the REST
 * server received, the tool results, credentials, limits, and the SSRF guard. The local REST
 * server is reachable only because each upstream using it allows 127.0.0.1/32 explicitly.
 */
class OpenApiGatewayTest {
  static RecordingApiServer api;
  static GatewayHarness gw;
  static McpTestClient c;

  @BeforeAll
  static void start() throws Exception {
    String petstore3 = NodeSupport.oasExample("3.0/json/petstore.json");
    String petstore2 = NodeSupport.oasExample("2.0/json/petstore.json");
    api = new RecordingApiServer();
    int port = api.port();
    String dir = java.nio.file.Path.of("src/test/resources/openapi").toAbsolutePath() + "/"; // the config is in /tmp
    gw = GatewayHarness.start("""
        models:
          demo: { deployments: [ { name: d, type: demo } ] }
        mcp:
          servers:
            pets:
              type: openapi
              spec: "%3$s"
              base_url: http://127.0.0.1:%2$d/v3
              allow_private_addresses: [127.0.0.1/32]
              auth: { type: api_key, name: api_key, value: secret-key }
              exclude: { operations: ["*User*"] }
              tools: { getInventory: { name: stock, description: "Pets per status." } }
            pets2:
              type: openapi
              spec: "%4$s"
              base_url: http://127.0.0.1:%2$d/v2
              allow_private_addresses: [127.0.0.1/32]
              include: { tags: [pet], methods: [GET, POST] }
              auth:
                type: oauth_client_credentials
                token_url: http://127.0.0.1:%2$d/oauth/token
                client_id: cid
                client_secret: s3cret
                scopes: ["read:pets", "write:pets"]
            edge:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: http://127.0.0.1:%2$d/edge
              allow_private_addresses: [127.0.0.1/32]
              auth: { type: bearer, token: tok-1 }
              timeout_ms: 1000
              max_response_bytes: 2000
              retries: 2
            basic:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: http://127.0.0.1:%2$d/edge
              allow_private_addresses: [127.0.0.1/32]
              include: { operations: [whoami] }
              auth: { type: basic, username: u, password: p }
            loop:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: http://127.0.0.1:%2$d/edge
              include: { operations: [whoami] }
            meta:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: http://169.254.169.254/latest
              include: { operations: [whoami] }
            v6:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: "http://[::1]:%2$d/edge"
              include: { operations: [whoami] }
            named:
              type: openapi
              spec: %1$sedge-api.yaml
              base_url: http://localhost:%2$d/edge
              include: { operations: [whoami] }
        """.formatted(dir, port, petstore3, petstore2));
    c = new McpTestClient(gw.baseUrl() + "/mcp", GatewayHarness.KEY);
    c.initialize("2025-11-25");
  }

  @AfterAll
  static void stop() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (api != null) {
      api.close();
    }
  }

  static JsonNode call(String tool, String args) throws Exception {
    JsonNode r = c.callTool(tool, args);
    assertThat(r.has("error")).as(r.toString()).isFalse();
    return r.get("result");
  }

  static String text(JsonNode result) {
    return result.path("content").path(0).path("text").asText();
  }

  @Test
  void toolsAreListedNamespacedFilteredAndRenamed() throws Exception {
    List<String> names = new ArrayList<>();
    JsonNode tools = c.result("tools/list", null).path("tools");
    tools.forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).contains("pets__getPetById", "pets__addPet", "pets__stock", "pets2__updatePetWithForm",
        "edge__styles", "basic__whoami", "loop__whoami", "meta__whoami", "v6__whoami", "named__whoami");
    assertThat(names).filteredOn(n -> n.startsWith("pets__"))
        .containsExactly("pets__updatePet", "pets__addPet", "pets__findPetsByStatus", "pets__findPetsByTags",
            "pets__getPetById", "pets__updatePetWithForm", "pets__deletePet", "pets__uploadFile", "pets__stock",
            "pets__placeOrder", "pets__getOrderById", "pets__deleteOrder");
    assertThat(names).filteredOn(n -> n.startsWith("pets2__"))
        .containsExactly("pets2__addPet", "pets2__findPetsByStatus", "pets2__findPetsByTags", "pets2__getPetById",
            "pets2__updatePetWithForm", "pets2__uploadFile");
    JsonNode stock = null;
    for (JsonNode t : tools) {
      if (t.path("name").asText().equals("pets__stock")) {
        stock = t;
      }
    }
    assertThat(stock.path("description").asText()).isEqualTo("Pets per status.");
    assertThat(stock.at("/annotations/readOnlyHint").asBoolean()).isTrue();
  }

  @Test
  void getWithPathParameterAndApiKey() throws Exception {
    JsonNode r = call("pets__getPetById", "{\"petId\":5}");
    assertThat(r.path("isError").asBoolean()).isFalse();
    assertThat(r.at("/structuredContent/name").asText()).isEqualTo("doggie");
    assertThat(r.at("/structuredContent/id").asInt()).isEqualTo(5);
    assertThat(text(r)).contains("\"doggie\"");
    RecordingApiServer.Seen seen = api.last("/v3/pet/5");
    assertThat(seen.method()).isEqualTo("GET");
    assertThat(seen.uri()).isEqualTo("/v3/pet/5");
    assertThat(seen.headers()).containsEntry("api_key", "secret-key").containsEntry("accept", "application/json")
        .doesNotContainKey("authorization");
    assertThat(seen.body()).isEmpty();
  }

  @Test
  void queryArraysBodiesAndTheConfiguredCredentialWinning() throws Exception {
    JsonNode tags = call("pets__findPetsByTags", "{\"tags\":[\"a b\",\"c\"]}");
    assertThat(api.last("/v3/pet/findByTags").uri()).isEqualTo("/v3/pet/findByTags?tags=a%20b&tags=c");
    assertThat(tags.at("/structuredContent/result/0/name").asText()).isEqualTo("a b+c");

    JsonNode added = call("pets__addPet", "{\"body\":{\"id\":42,\"name\":\"Rex\",\"photoUrls\":[\"x\"]}}");
    RecordingApiServer.Seen post = api.exact("/v3/pet");
    assertThat(post.method()).isEqualTo("POST");
    assertThat(post.uri()).isEqualTo("/v3/pet");
    assertThat(post.headers()).containsEntry("content-type", "application/json");
    assertThat(post.body()).isEqualTo("{\"id\":42,\"name\":\"Rex\",\"photoUrls\":[\"x\"]}");
    assertThat(added.at("/structuredContent/name").asText()).isEqualTo("Rex");

    call("pets__deletePet", "{\"petId\":9,\"api_key\":\"supplied-by-the-model\"}");
    RecordingApiServer.Seen del = api.last("/v3/pet/9");
    assertThat(del.method()).isEqualTo("DELETE");
    assertThat(del.headers()).containsEntry("api_key", "secret-key");
  }

  @Test
  void httpErrorsAreToolErrorsWithStatusAndShortBody() throws Exception {
    JsonNode r = call("pets__getPetById", "{\"petId\":404}");
    assertThat(r.path("isError").asBoolean()).isTrue();
    assertThat(text(r)).isEqualTo("HTTP 404 Not Found: {\"code\":404,\"message\":\"Pet not found\"}");
    JsonNode fail = call("edge__fail", "{}");
    assertThat(fail.path("isError").asBoolean()).isTrue();
    assertThat(text(fail)).startsWith("HTTP 500 Internal Server Error: {\"error\":\"database exploded\", \"trace\"")
        .hasSizeLessThan(600).endsWith("…");
    JsonNode missing = call("pets__getPetById", "{}");
    assertThat(missing.path("isError").asBoolean()).isTrue();
    assertThat(text(missing)).contains("missing required argument(s) [petId]");
    JsonNode excluded = c.callTool("pets__loginUser", "{}");
    assertThat(excluded.at("/error/code").asInt()).isEqualTo(-32602);
  }

  @Test
  void renamedToolAndFormBodyWithOAuthClientCredentials() throws Exception {
    JsonNode stock = call("pets__stock", "{}");
    assertThat(stock.at("/structuredContent/available").asInt()).isEqualTo(7);
    assertThat(api.last("/v3/store/inventory").uri()).isEqualTo("/v3/store/inventory");

    int before = api.tokens.get();
    call("pets2__updatePetWithForm", "{\"petId\":7,\"body\":{\"name\":\"Rex Jr\",\"status\":\"sold\"}}");
    call("pets2__getPetById", "{\"petId\":8}");
    assertThat(api.tokens.get() - before).isLessThanOrEqualTo(1); // fetched once, then cached
    RecordingApiServer.Seen token = api.last("/oauth/token");
    assertThat(token.method()).isEqualTo("POST");
    assertThat(token.body()).isEqualTo("grant_type=client_credentials&scope=read%3Apets+write%3Apets");
    assertThat(token.headers()).containsEntry("authorization", "Basic Y2lkOnMzY3JldA==")
        .containsEntry("content-type", "application/x-www-form-urlencoded");
    RecordingApiServer.Seen form = api.last("/v2/pet/7");
    assertThat(form.method()).isEqualTo("POST");
    assertThat(form.headers()).containsEntry("content-type", "application/x-www-form-urlencoded")
        .containsEntry("authorization", "Bearer cc-token-" + api.tokens.get());
    assertThat(form.body()).isEqualTo("name=Rex+Jr&status=sold");
    assertThat(api.last("/v2/pet/8").headers()).containsEntry("authorization", "Bearer cc-token-" + api.tokens.get());
  }

  @Test
  void everyParameterStyleArrivesExactly() throws Exception {
    JsonNode styles = call("edge__styles", """
        {"label":["a","b"],"matrix":[1,2],"plain":"x/y","ids":[1,2],"tags":["t1","t2"],"pipes":["p","q"],
         "spaces":["s","t"],"filter":{"color":"red"},"point":{"x":1,"y":2},"q":"ä&b","X-Trace":"tr-1","session":"s1"}""");
    assertThat(styles.path("isError").asBoolean()).as(styles.toString()).isFalse();
    RecordingApiServer.Seen s = api.last("/edge/styles/");
    assertThat(s.uri()).isEqualTo("/edge/styles/.a.b/;matrix=1,2/x%2Fy?ids=1,2&tags=t1&tags=t2&pipes=p%7Cq"
        + "&spaces=s%20t&filter[color]=red&point=x,1,y,2&q=%C3%A4%26b");
    assertThat(s.headers()).containsEntry("x-trace", "tr-1").containsEntry("cookie", "session=s1")
        .containsEntry("authorization", "Bearer tok-1");
    JsonNode odd = call("edge__get_odd_names_id", "{\"id\":\"../../v3/store/inventory\",\"query_id\":\"q\"}");
    assertThat(odd.path("isError").asBoolean()).as(odd.toString()).isFalse();
    assertThat(api.last("/edge/odd").uri()).isEqualTo("/edge/odd%20names/..%2F..%2Fv3%2Fstore%2Finventory?id=q");
    call("basic__whoami", "{}");
    assertThat(api.last("/edge/whoami").headers()).containsEntry("authorization", "Basic dTpw");
  }

  @Test
  void textImageMultipartAndEmptyResponses() throws Exception {
    JsonNode t = call("edge__text", "{}");
    assertThat(text(t)).isEqualTo("plain words");
    assertThat(t.has("structuredContent")).isFalse();
    JsonNode img = call("edge__image", "{}");
    assertThat(img.at("/content/0/type").asText()).isEqualTo("image");
    assertThat(img.at("/content/0/mimeType").asText()).isEqualTo("image/png");
    assertThat(img.at("/content/0/data").asText()).isEqualTo("iVBORw==");
    JsonNode mp = call("edge__multipartForm", "{\"body\":{\"title\":\"Hi\",\"count\":3}}");
    assertThat(text(mp)).isEqualTo("HTTP 204 (no content)");
    RecordingApiServer.Seen form = api.last("/edge/form");
    String boundary = form.headers().get("content-type").replaceFirst(".*boundary=", "");
    assertThat(form.body()).isEqualTo("--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHi\r\n"
        + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"count\"\r\n\r\n3\r\n--" + boundary + "--\r\n");
  }

  @Test
  void sizeAndTimeCapsAndRetries() throws Exception {
    JsonNode big = call("edge__big", "{}");
    assertThat(big.path("isError").asBoolean()).isTrue();
    assertThat(text(big)).contains("cut at max_response_bytes = 2000");
    long t0 = System.currentTimeMillis();
    JsonNode slow = call("edge__slow", "{}");
    assertThat(System.currentTimeMillis() - t0).isLessThan(2900);
    assertThat(slow.path("isError").asBoolean()).isTrue();
    assertThat(text(slow)).contains("timed out after 1000 ms");

    api.flaky.set(0);
    long before = api.count("/edge/flaky");
    JsonNode get = call("edge__flakyGet", "{}");
    assertThat(get.path("isError").asBoolean()).as(get.toString()).isFalse();
    assertThat(get.at("/structuredContent/attempt").asInt()).isEqualTo(3);
    assertThat(api.count("/edge/flaky") - before).isEqualTo(3); // GET retried after two 503s
    api.flaky.set(0);
    JsonNode post = call("edge__flakyPost", "{}");
    assertThat(post.path("isError").asBoolean()).isTrue();
    assertThat(text(post)).startsWith("HTTP 503");
    assertThat(api.count("/edge/flaky") - before).isEqualTo(4); // POST is not retried
  }

  @Test
  void ssrfLoopbackMetadataIpv6AndNamesResolvingToLoopbackAreRefused() throws Exception {
    long before = api.count("/edge/whoami");
    for (String[] c : new String[][] {{"loop", "127.0.0.1"}, {"meta", "169.254.169.254"}, {"v6", "::1"},
        {"named", "localhost"}}) {
      JsonNode r = call(c[0] + "__whoami", "{}");
      assertThat(r.path("isError").asBoolean()).as(c[0]).isTrue();
      assertThat(text(r)).as(c[0]).contains("refused to connect").contains(c[1])
          .contains("allow_private_addresses");
    }
    assertThat(api.count("/edge/whoami")).isEqualTo(before); // nothing reached the server
  }

  @Test
  void redirectsAreCheckedLikeTheFirstRequest() throws Exception {
    JsonNode meta = call("edge__redirect", "{\"to\":\"http://169.254.169.254/latest/meta-data/\"}");
    assertThat(meta.path("isError").asBoolean()).isTrue();
    assertThat(text(meta)).contains("refused to connect to '169.254.169.254'");
    JsonNode v6 = call("edge__redirect", "{\"to\":\"http://[::1]:" + api.port() + "/edge/whoami\"}");
    assertThat(text(v6)).contains("refused to connect");
    JsonNode same = call("edge__redirect", "{\"to\":\"/edge/whoami\"}");
    assertThat(same.path("isError").asBoolean()).as(same.toString()).isFalse();
    assertThat(text(same)).contains("\"ok\":true");
    JsonNode file = call("edge__redirect", "{\"to\":\"file:///etc/passwd\"}");
    assertThat(text(file)).contains("non-HTTP");
  }
}

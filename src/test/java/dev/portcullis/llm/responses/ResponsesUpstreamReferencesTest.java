package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A key holder cannot reach objects the provider keeps under the gateway's own account (files,
 * vector stores, code interpreter containers): they are shared by every caller of the deployment
 * and the gateway cannot tell whose they are. Each reference is refused with a 400 naming the
 * place, before anything goes upstream; the same tools without a reference pass.
 */
class ResponsesUpstreamReferencesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static FakeOpenAiUpstream upstream;
  private static GatewayHarness gw;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeOpenAiUpstream.start();
    upstream.otherwise(FakeOpenAiUpstream.responses("ok"));
    gw = GatewayHarness.start("""
        models:
          gpt-native:
            deployments:
              - type: openai
                base_url: %s
        """.formatted(upstream.baseUrl()));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    upstream.close();
  }

  private static void refused(String fields, String param) throws Exception {
    int before = upstream.attempts();
    HttpResponse<String> r = gw.post("/v1/responses", "{\"model\":\"gpt-native\"," + fields + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode error = JSON.readTree(r.body()).path("error");
    assertThat(error.path("param").asText()).isEqualTo(param);
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(upstream.attempts()).isEqualTo(before);
  }

  @Test
  void filesVectorStoresAndContainersOfTheGatewaysAccountAreRefused() throws Exception {
    refused("\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"sum up\"},"
        + "{\"type\":\"input_file\",\"file_id\":\"file-someone-elses\"}]}]", "input[0].content[1].file_id");
    refused("\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file-x\"}]}]",
        "input[0].content[0].file_id");
    refused("\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":[{\"type\":\"input_file\","
        + "\"file_id\":\"file-x\"}]}]", "input[0].output[0].file_id");
    refused("\"input\":\"find it\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_x\"]}]",
        "tools[0]");
    refused("\"input\":\"run it\",\"tools\":[{\"type\":\"code_interpreter\",\"container\":\"cntr_someone\"}]",
        "tools[0].container");
    refused("\"input\":\"run it\",\"tools\":[{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\","
        + "\"file_ids\":[\"file-x\"]}}]", "tools[0].container");
  }

  @Test
  void theSameToolsAndPartsWithoutAReferencePass() throws Exception {
    HttpResponse<String> r = gw.post("/v1/responses", """
        {"model":"gpt-native","store":false,
         "input":[{"role":"user","content":[{"type":"input_text","text":"read"},
           {"type":"input_file","filename":"a.txt","file_data":"data:text/plain;base64,aGk="}]}],
         "tools":[{"type":"code_interpreter","container":{"type":"auto"}}]}""");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(upstream.last().json().at("/tools/0/type").asText()).isEqualTo("code_interpreter");
  }
}

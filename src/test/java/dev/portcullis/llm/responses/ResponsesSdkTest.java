package dev.portcullis.llm.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.mcp.NodeSupport;
import dev.portcullis.testing.FakeOpenAiUpstream;
import dev.portcullis.testing.GatewayHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Node SDK ({@code openai} in src/test/node) speaking the Responses API to
 * the gateway: on the demo provider (translated to chat completions) and passed through to an
 * OpenAI upstream, with responses kept by the gateway.
 */
class ResponsesSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> TEXT_STREAM = List.of("response.created", "response.in_progress",
      "response.output_item.added", "response.content_part.added", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed");

  @BeforeAll
  static void sdkInstalled() {
    NodeSupport.node();
    if (!Files.isDirectory(Path.of("src/test/node/node_modules/openai"))) {
      fail("the OpenAI Node SDK is missing: run 'npm ci' in src/test/node (bin/test does)");
    }
  }

  private static JsonNode run(GatewayHarness gw, String model, String tools) throws Exception {
    String out = NodeSupport.run("responses-client.mjs", gw.baseUrl() + "/v1", GatewayHarness.KEY, model, tools);
    JsonNode r = JSON.readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
    assertThat(r.has("error")).as(out).isFalse();
    return r;
  }

  private static String store(Path dir) {
    return "store:\n  url: jdbc:sqlite:" + dir + "/p.db\n";
  }

  @Test
  void sdkOnTheDemoProvider() throws Exception {
    try (GatewayHarness gw = GatewayHarness.start("""
        models:
          demo:
            deployments:
              - type: demo
        """ + store(Files.createTempDirectory("responses-sdk")))) {
      JsonNode r = run(gw, "demo", "yes");
      assertThat(r.at("/plain/status").asText()).isEqualTo("completed");
      assertThat(r.at("/plain/text").asText()).contains("You said: Hello from Node");
      assertThat(r.at("/plain/usage/input_tokens").asLong()).isPositive();
      assertThat(r.at("/plain/usage/output_tokens").asLong()).isPositive();
      assertThat(r.at("/stream/types")).extracting(JsonNode::asText).containsSubsequence(TEXT_STREAM);
      assertThat(r.at("/stream/sequence")).extracting(JsonNode::asInt)
          .isEqualTo(java.util.stream.IntStream.range(0, r.at("/stream/sequence").size()).boxed().toList());
      assertThat(r.at("/stream/deltas").asText()).contains("Stream to Node").isEqualTo(r.at("/stream/finalText").asText());
      assertThat(r.at("/continued/previous").asText()).isEqualTo(r.at("/plain/id").asText());
      assertThat(r.at("/continued/text").asText()).contains("You said: And again");
      assertThat(r.at("/tools/call/name").asText()).isEqualTo("get_weather");
      assertThat(r.at("/tools/call/arguments").has("city")).isTrue();
      assertThat(r.at("/tools/answer").asText()).contains("The tool returned: snow, -3 C");
      assertThat(r.at("/toolStream/types")).extracting(JsonNode::asText).containsSubsequence("response.created",
          "response.output_item.added", "response.function_call_arguments.delta",
          "response.function_call_arguments.done", "response.output_item.done", "response.completed");
      assertThat(JSON.readTree(r.at("/toolStream/arguments").asText()).has("city")).isTrue();
      assertThat(r.at("/inputTokens").asLong()).isPositive();
      assertThat(r.at("/inputItems")).extracting(JsonNode::asText).containsExactly("message", "message", "message");
      assertThat(r.at("/retrieved/id").asText()).isEqualTo(r.at("/plain/id").asText());
      assertThat(r.at("/retrieved/text").asText()).isEqualTo(r.at("/plain/text").asText());
      assertThat(r.at("/afterDelete").asInt()).isEqualTo(404);
    }
  }

  @Test
  void sdkPassedThroughToOpenAi() throws Exception {
    try (FakeOpenAiUpstream openai = FakeOpenAiUpstream.start();
        GatewayHarness gw = GatewayHarness.start("""
            models:
              gpt-5:
                deployments:
                  - type: openai
                    base_url: %s
                    api_key: sk-upstream
            """.formatted(openai.baseUrl()) + store(Files.createTempDirectory("responses-sdk")))) {
      openai.otherwise(FakeOpenAiUpstream.responses("Native answer from the upstream."));
      JsonNode r = run(gw, "gpt-5", "no");
      assertThat(r.at("/plain/text").asText()).isEqualTo("Native answer from the upstream.");
      assertThat(r.at("/plain/id").asText()).startsWith("resp_fake");
      List<String> perWord = new java.util.ArrayList<>(TEXT_STREAM);
      perWord.addAll(perWord.indexOf("response.output_text.delta"), List.of("response.output_text.delta",
          "response.output_text.delta", "response.output_text.delta", "response.output_text.delta")); // one per word
      assertThat(r.at("/stream/types")).extracting(JsonNode::asText).containsExactlyElementsOf(perWord);
      assertThat(r.at("/stream/deltas").asText()).isEqualTo("Native answer from the upstream.");
      assertThat(r.at("/continued/previous").asText()).isEqualTo(r.at("/plain/id").asText());
      assertThat(r.at("/afterDelete").asInt()).isEqualTo(404);

      List<FakeOpenAiUpstream.Received> sent = openai.requests();
      assertThat(sent).extracting(FakeOpenAiUpstream.Received::uri).containsOnly("/v1/responses");
      assertThat(sent.get(0).headers().get("authorization")).isEqualTo("Bearer sk-upstream");
      assertThat(sent.get(0).json().path("instructions").asText()).isEqualTo("Be brief.");
      // the continuation went upstream as the whole conversation, the gateway's id left behind
      JsonNode continued = sent.get(2).json();
      assertThat(continued.has("previous_response_id")).isFalse();
      assertThat(continued.path("input")).extracting(i -> i.path("role").asText())
          .containsExactly("user", "assistant", "user");
      assertThat(continued.path("input").get(1).path("content").get(0).path("text").asText())
          .isEqualTo("Native answer from the upstream.");
    }
  }
}

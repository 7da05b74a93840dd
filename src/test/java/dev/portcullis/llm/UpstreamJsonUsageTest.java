package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The usage of a relayed answer is read by a streaming parser, without a tree of the answer; the
 * tree is built only for a body that is not as promised, to say why. A well-formed answer must
 * never take that slow road, wherever its usage stands (UpstreamValidationTest covers the
 * bodies that must fail).
 */
class UpstreamJsonUsageTest {
  final UpstreamJson json = new UpstreamJson(new ObjectMapper());

  @Test
  void wellFormedAnswersAreReadWithoutATree() {
    for (String body : new String[] {
        "{\"id\":\"a\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}",
        "{\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2},\"choices\":[],\"model\":\"m\"}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"details\":{\"cached\":1}},\"x\":[1,{\"y\":null}]}"}) {
      assertThat(streamed(body).path("prompt_tokens").asInt()).as(body).isEqualTo(3);
    }
  }

  @Test
  void absentOrNullUsageIsJsonNull() {
    assertThat(streamed("{\"choices\":[]}").isNull()).isTrue();
    assertThat(streamed("{\"choices\":[],\"usage\":null}").isNull()).isTrue();
  }

  @Test
  void bodiesNotAsPromisedAreLeftForTheTreeToExplain() {
    for (String body : new String[] {
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"prompt_tokens\":2}}",
        "{\"choices\":[],\"usage\":{}} {}",
        "{\"usage\":{}}",
        "{\"choices\":{},\"usage\":{}}",
        "[]",
        "{\"choices\":[],"}) {
      assertThat(streamed(body).isMissingNode()).as(body).isTrue();
    }
  }

  private com.fasterxml.jackson.databind.JsonNode streamed(String body) {
    return json.streamedUsage(body.getBytes(StandardCharsets.UTF_8), "choices");
  }
}

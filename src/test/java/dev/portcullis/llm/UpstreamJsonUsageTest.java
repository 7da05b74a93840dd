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
        "{\"choices\":[],\"usage\":{},\"usage\":{}}",
        "{\"choices\":[],\"usage\":null,\"usage\":{\"prompt_tokens\":1}}",
        "{\"id\":\"a\",\"choices\":[],\"id\":\"b\"}",
        "{\"choices\":[],\"choices\":[]}",
        "{\"choices\":[{\"message\":{\"content\":\"a\",\"content\":\"b\"}}]}",
        "{\"choices\":[[[{\"x\":{\"y\":1,\"y\":2}}]]]}",
        "{\"choices\":[{\"a\":{},\"b\":{}},{\"a\":1,\"a\":1}]}",
        "{\"choices\":[" + wide(40) + "," + wide(40).replace("\"k39\"", "\"k3\"") + "]}",
        "{\"choices\":[" + wide(17).replace("\"k16\"", "\"k0\"") + "]}",
        "{\"choices\":[1,2",
        "{\"choices\":[],\"usage\":{\"a\":[1,",
        "{\"choices\":[],\"usage\":{}} {}",
        "{\"usage\":{}}",
        "{\"choices\":{},\"usage\":{}}",
        "[]",
        "{\"choices\":[],"}) {
      assertThat(streamed(body).isMissingNode()).as(body).isTrue();
    }
  }

  @Test
  void keysRepeatedOnlyAcrossObjectsAndWideObjectsAreWellFormed() {
    String body = "{\"choices\":[{\"a\":{\"a\":{\"a\":1}},\"b\":2},{\"a\":3,\"b\":4}," + wide(20_000) + "],"
        + "\"usage\":{\"prompt_tokens\":3}}";
    assertThat(streamed(body).path("prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void theUsageIsTheTreeJacksonReads() throws Exception {
    String usage = "{\"prompt_tokens\":3,\"big\":123456789012345,\"huge\":123456789012345678901234567890,"
        + "\"cost\":0.25,\"exp\":1e3,\"neg\":-7,\"ok\":true,\"no\":false,\"none\":null,\"s\":\"t\\u00e9\","
        + "\"details\":{\"cached_tokens\":1,\"list\":[1,\"two\",[3],{\"four\":4}]},\"empty\":{},\"nothing\":[]}";
    var expected = new ObjectMapper().readTree(usage);
    var read = streamed("{\"choices\":[],\"usage\":" + usage + "}");
    assertThat(read).isEqualTo(expected);
    assertThat(read.path("huge").isBigInteger()).isTrue();
    assertThat(read.path("big").isLong()).isTrue();
  }

  /** An object of {@code n} distinct keys k0..k(n-1). */
  private static String wide(int n) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
    }
    return b.append('}').toString();
  }

  private com.fasterxml.jackson.databind.JsonNode streamed(String body) {
    return json.streamedUsage(body.getBytes(StandardCharsets.UTF_8), "choices");
  }
}

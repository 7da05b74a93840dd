package dev.portcullis.llm.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A renamed body is the client's body with only the top-level model changed, and valid strict JSON. */
class ModelSpliceTest {
  static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  static void renamesLikeTheCopy(String body, String model) throws Exception {
    Buffer out = ModelSplice.rename(Buffer.buffer(body.getBytes(StandardCharsets.UTF_8)), model);
    assertThat(out).as("renamed %s", body).isNotNull();
    ObjectNode expected = (ObjectNode) STRICT.readTree(body);
    expected.put("model", model);
    JsonNode got = STRICT.readTree(out.getBytes());
    assertThat(got).isEqualTo(expected);
  }

  @Test
  void onlyTheTopLevelModelChangesWhereverItIs() throws Exception {
    renamesLikeTheCopy("{\"model\":\"a\",\"messages\":[]}", "gpt-4o-2024-08-06");
    renamesLikeTheCopy("{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"model\":\"inner\"}],\"model\":\"a\"}", "b");
    renamesLikeTheCopy("{\"tools\":[{\"model\":{\"model\":\"deep\"}}], \"model\" : \"a\" , \"n\":1}", "b");
    renamesLikeTheCopy(" {\"model\":\"\\u0061lias with \\\"quotes\\\" and é\",\"stream\":true} ", "b");
    renamesLikeTheCopy("{\"model\":\"a\"}", "name \"quoted\" \\ with é and \u0001 control");
  }

  @Test
  void aBodyWithoutATopLevelStringModelIsLeftToTheCopy() {
    assertThat(ModelSplice.rename(Buffer.buffer("{\"messages\":[{\"model\":\"x\"}]}"), "b")).isNull();
    assertThat(ModelSplice.rename(Buffer.buffer("{\"model\":null}"), "b")).isNull();
    assertThat(ModelSplice.rename(Buffer.buffer("{\"model\":{\"id\":\"x\"}}"), "b")).isNull();
    assertThat(ModelSplice.rename(Buffer.buffer("[\"model\"]"), "b")).isNull();
    assertThat(ModelSplice.rename(Buffer.buffer("{\"model\":"), "b")).isNull();
  }

  @Test
  void renamedAndAskedForUsageTogether() throws Exception {
    String body = "{\"messages\":[],\"model\":\"a\",\"stream\":true}";
    Buffer out = StreamUsageSplice.ask(ModelSplice.rename(Buffer.buffer(body), "b"), false);
    ObjectNode expected = (ObjectNode) STRICT.readTree(body);
    expected.put("model", "b").putObject("stream_options").put("include_usage", true);
    assertThat(STRICT.readTree(out.getBytes())).isEqualTo(expected);
  }
}

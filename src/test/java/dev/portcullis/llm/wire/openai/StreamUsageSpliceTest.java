package dev.portcullis.llm.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** The spliced body is the client's body plus stream_options.include_usage, and valid strict JSON. */
class StreamUsageSpliceTest {
  static final ObjectMapper STRICT = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  static JsonNode spliced(String body, boolean empty) throws Exception {
    Buffer out = StreamUsageSplice.ask(Buffer.buffer(body), empty);
    assertThat(out).as("spliced %s", body).isNotNull();
    return STRICT.readTree(out.getBytes());
  }

  @Test
  void theMemberIsAddedAndEverythingElseKept() throws Exception {
    String body = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"{not json}\"}]}";
    ObjectNode expected = (ObjectNode) STRICT.readTree(body);
    expected.putObject("stream_options").put("include_usage", true);
    assertThat(spliced(body, false)).isEqualTo(expected);
    assertThat(spliced(" \r\n\t" + body + "\n", false)).isEqualTo(expected); // white space around the body
  }

  @Test
  void anEmptyObjectGetsNoComma() throws Exception {
    assertThat(spliced("{}", true).toString()).isEqualTo("{\"stream_options\":{\"include_usage\":true}}");
    assertThat(spliced(" { } ", true).toString()).isEqualTo("{\"stream_options\":{\"include_usage\":true}}");
  }

  @Test
  void aBodyThatDoesNotStartWithABraceIsLeftToTheCopy() {
    assertThat(StreamUsageSplice.ask(Buffer.buffer("\uFEFF{}"), true)).isNull();
    assertThat(StreamUsageSplice.ask(Buffer.buffer("[]"), true)).isNull();
    assertThat(StreamUsageSplice.ask(Buffer.buffer("   "), true)).isNull();
  }
}

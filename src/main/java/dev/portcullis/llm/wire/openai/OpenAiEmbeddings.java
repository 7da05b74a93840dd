package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** OpenAI's embeddings request inputs and response shape, for translators of other providers. */
public final class OpenAiEmbeddings {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private OpenAiEmbeddings() {}

  /** The texts of {@code input}: a string or an array of strings (token arrays as their JSON). */
  public static List<String> inputs(JsonNode request) {
    JsonNode input = request.get("input");
    List<String> out = new ArrayList<>();
    if (input != null && input.isTextual()) {
      out.add(input.textValue());
    } else if (input != null && input.isArray()) {
      input.forEach(i -> out.add(i.isTextual() ? i.textValue() : i.toString()));
    }
    return out;
  }

  /** {@code {"object":"list","data":[...],"model","usage"}}, as floats or base64 as the client asked. */
  public static ObjectNode response(JsonNode request, List<float[]> vectors, String model, Usage usage) {
    boolean base64 = "base64".equals(request.path("encoding_format").asText("float"));
    ObjectNode out = F.objectNode().put("object", "list");
    ArrayNode data = out.putArray("data");
    for (int i = 0; i < vectors.size(); i++) {
      ObjectNode e = data.addObject().put("object", "embedding").put("index", i);
      float[] v = vectors.get(i);
      if (base64) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
          bb.putFloat(f);
        }
        e.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
      } else {
        ArrayNode arr = e.putArray("embedding");
        for (float f : v) {
          arr.add(f);
        }
      }
    }
    out.put("model", model);
    out.putObject("usage").put("prompt_tokens", usage.promptTokens()).put("total_tokens", usage.promptTokens());
    return out;
  }
}

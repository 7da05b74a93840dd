package dev.portcullis.llm.wire.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.UnsupportedRequestException;
import dev.portcullis.llm.TokenCount;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiEmbeddings;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI embeddings on Bedrock's InvokeModel: Amazon Titan text embeddings (one input per call)
 * and Cohere Embed (a batch of texts).
 */
final class BedrockEmbeddings {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private BedrockEmbeddings() {}

  static boolean cohere(String modelId) {
    return modelId.contains("cohere.embed");
  }

  static ObjectNode request(JsonNode in, String modelId) {
    List<String> inputs = OpenAiEmbeddings.inputs(in);
    if (cohere(modelId)) {
      ObjectNode out = F.objectNode().put("input_type", "search_document");
      inputs.forEach(out.putArray("texts")::add);
      return out;
    }
    if (inputs.size() != 1) {
      throw new UnsupportedRequestException("Amazon Titan embeddings on Bedrock take one input per request; got "
          + inputs.size() + ".");
    }
    ObjectNode out = F.objectNode().put("inputText", inputs.get(0));
    if (in.path("dimensions").isNumber()) {
      out.set("dimensions", in.get("dimensions"));
    }
    return out;
  }

  static ObjectNode response(JsonNode in, JsonNode r, String model, long estimatedTokens) {
    List<float[]> vectors = new ArrayList<>();
    if (r.has("embedding")) {
      vectors.add(floats(r.get("embedding")));
    } else {
      for (JsonNode e : r.path("embeddings")) {
        vectors.add(floats(e));
      }
    }
    long tokens = tokens(r, estimatedTokens);
    return OpenAiEmbeddings.response(in, vectors, model, new Usage(tokens, 0, 0, 0, !r.has("inputTextTokenCount")));
  }

  static long tokens(JsonNode r, long estimated) {
    return r.has("inputTextTokenCount") ? TokenCount.of(r.get("inputTextTokenCount")) : estimated;
  }

  private static float[] floats(JsonNode values) {
    float[] v = new float[values.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) values.get(i).asDouble();
    }
    return v;
  }
}

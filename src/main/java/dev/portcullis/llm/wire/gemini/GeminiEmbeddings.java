package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.llm.Usage;
import dev.portcullis.llm.wire.openai.OpenAiEmbeddings;
import java.util.ArrayList;
import java.util.List;

/** OpenAI embeddings requests as Gemini {@code batchEmbedContents}, and back. Pure functions. */
final class GeminiEmbeddings {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private GeminiEmbeddings() {}

  static ObjectNode request(JsonNode in, String model) {
    ObjectNode out = F.objectNode();
    ArrayNode requests = out.putArray("requests");
    for (String text : OpenAiEmbeddings.inputs(in)) {
      ObjectNode r = requests.addObject().put("model", "models/" + model);
      r.putObject("content").putArray("parts").addObject().put("text", text);
      if (in.path("dimensions").isNumber()) {
        r.set("outputDimensionality", in.get("dimensions"));
      }
    }
    return out;
  }

  static ObjectNode response(JsonNode in, JsonNode gemini, String model, Usage usage) {
    List<float[]> vectors = new ArrayList<>();
    for (JsonNode e : gemini.path("embeddings")) {
      JsonNode values = e.path("values");
      float[] v = new float[values.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) values.get(i).asDouble();
      }
      vectors.add(v);
    }
    return OpenAiEmbeddings.response(in, vectors, model, usage);
  }
}

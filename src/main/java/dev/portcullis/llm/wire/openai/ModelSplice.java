package dev.portcullis.llm.wire.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Renames the model of a request by replacing the value of its top-level {@code "model"} member in
 * the client's bytes, instead of copying the parsed body and serialising it again: a deployment
 * that names its own model (an alias, a dated version) otherwise pays a copy of the whole
 * conversation on every request. The body was parsed once already and refused if a key repeated,
 * so the member found is the only one; the scan reads tokens without building anything and stops
 * at that member.
 */
final class ModelSplice {
  private static final JsonFactory TOKENS = new JsonFactory();

  private ModelSplice() {}

  /** The body with its model replaced, or null when it has no top-level string {@code model}. */
  static Buffer rename(Buffer raw, String model) {
    byte[] bytes = raw.getBytes();
    try (JsonParser p = TOKENS.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean isModel = "model".equals(p.currentName());
        JsonToken value = p.nextToken();
        if (!isModel) {
          p.skipChildren();
          continue;
        }
        if (value != JsonToken.VALUE_STRING) {
          return null;
        }
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.finishToken();
        int end = (int) p.currentLocation().getByteOffset();
        if (start < 0 || end <= start || end > bytes.length || bytes[start] != '"' || bytes[end - 1] != '"') {
          return null; // not where a string starts and ends: leave it to the copy
        }
        byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(model);
        return Buffer.buffer(bytes.length - (end - start) + quoted.length + 2).appendBytes(bytes, 0, start + 1)
            .appendBytes(quoted).appendBytes(bytes, end - 1, bytes.length - end + 1);
      }
      return null;
    } catch (IOException e) {
      return null;
    }
  }
}

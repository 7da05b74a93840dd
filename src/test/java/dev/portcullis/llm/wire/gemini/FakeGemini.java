package dev.portcullis.llm.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.FakeProvider.Received;
import dev.portcullis.llm.wire.FakeProvider.Reply;

/**
 * Gemini's API as recorded fixtures. The path's model picks the behaviour: {@code gemini-blocked}
 * blocks the prompt for safety; otherwise a function call when tools are offered and no function
 * response came back yet, else text.
 */
final class FakeGemini {
  static final String UPSTREAM_KEY = "AIza-upstream-secret";

  private FakeGemini() {}

  static FakeProvider start() throws Exception {
    return new FakeProvider(FakeGemini::answer);
  }

  private static Reply answer(Received r) {
    if (!UPSTREAM_KEY.equals(r.headers().get("x-goog-api-key"))) {
      return Reply.json(400, FakeProvider.fixture("gemini/error_invalid_argument.json"));
    }
    String path = r.path();
    if (path.endsWith(":batchEmbedContents")) {
      return Reply.json(200, FakeProvider.fixture("gemini/batch_embed.json"));
    }
    boolean stream = path.endsWith(":streamGenerateContent") && "alt=sse".equals(r.uri().substring(r.uri()
        .indexOf('?') + 1));
    if (path.contains("/models/gemini-blocked:")) {
      return Reply.json(200, FakeProvider.fixture("gemini/prompt_blocked.json"));
    }
    JsonNode body = r.json();
    JsonNode contents = body.path("contents");
    JsonNode lastParts = contents.get(contents.size() - 1).path("parts");
    boolean functionResponse = lastParts.get(0).has("functionResponse");
    if (body.has("tools") && !functionResponse) {
      return stream ? Reply.sse(FakeProvider.fixture("gemini/stream_function_call.sse"))
          : Reply.json(200, FakeProvider.fixture("gemini/generate_function_call.json"));
    }
    if (functionResponse) {
      return Reply.json(200, FakeProvider.fixture("gemini/generate_after_function.json"));
    }
    return stream ? Reply.sse(FakeProvider.fixture("gemini/stream_text.sse"))
        : Reply.json(200, FakeProvider.fixture("gemini/generate_text.json"));
  }
}

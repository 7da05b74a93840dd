package dev.portcullis.llm.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.FakeProvider.Received;
import dev.portcullis.llm.wire.FakeProvider.Reply;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Anthropic's Messages API as recorded fixtures. The upstream model name picks the behaviour:
 * {@code claude-overloaded-once} answers 529 once, {@code claude-bad} answers 400,
 * {@code claude-stream-error} breaks its stream with an error event; otherwise a tool_use when
 * tools are offered and no tool result came back yet, else text.
 */
final class FakeAnthropic {
  static final String UPSTREAM_KEY = "sk-ant-upstream-secret";

  private FakeAnthropic() {}

  static FakeProvider start() throws Exception {
    AtomicInteger overloads = new AtomicInteger();
    return new FakeProvider(r -> answer(r, overloads));
  }

  private static Reply answer(Received r, AtomicInteger overloads) {
    if (!UPSTREAM_KEY.equals(r.headers().get("x-api-key")) || r.headers().get("anthropic-version") == null) {
      return Reply.json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
          + "\"message\":\"invalid x-api-key\"}}");
    }
    if (r.path().equals("/v1/messages/count_tokens")) {
      return Reply.json(200, FakeProvider.fixture("anthropic/count_tokens.json"));
    }
    JsonNode body = r.json();
    String model = body.path("model").asText();
    boolean stream = body.path("stream").asBoolean(false);
    if (model.equals("claude-overloaded-once") && overloads.getAndIncrement() == 0) {
      return Reply.json(529, FakeProvider.fixture("anthropic/error_overloaded.json"));
    }
    if (model.equals("claude-bad") || !body.has("max_tokens")) {
      return Reply.json(400, FakeProvider.fixture("anthropic/error_invalid_request.json"));
    }
    if (model.equals("claude-stream-error")) {
      return Reply.sse(FakeProvider.fixture("anthropic/stream_error.sse"));
    }
    JsonNode messages = body.path("messages");
    JsonNode lastContent = messages.get(messages.size() - 1).path("content");
    boolean toolResult = lastContent.isArray() && lastContent.size() > 0
        && "tool_result".equals(lastContent.get(0).path("type").asText());
    if (body.has("tools") && !toolResult) {
      return stream ? Reply.sse(FakeProvider.fixture("anthropic/stream_tool_use.sse"))
          : Reply.json(200, FakeProvider.fixture("anthropic/message_tool_use.json"));
    }
    if (toolResult) {
      return Reply.json(200, FakeProvider.fixture("anthropic/message_after_tool.json"));
    }
    return stream ? Reply.sse(FakeProvider.fixture("anthropic/stream_text.sse"))
        : Reply.json(200, FakeProvider.fixture("anthropic/message_text.json"));
  }
}

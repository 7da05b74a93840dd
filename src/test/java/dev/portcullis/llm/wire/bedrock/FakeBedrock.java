package dev.portcullis.llm.wire.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.llm.wire.FakeProvider;
import dev.portcullis.llm.wire.FakeProvider.Received;
import dev.portcullis.llm.wire.FakeProvider.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/**
 * Bedrock Runtime as recorded fixtures: Converse JSON, ConverseStream event-stream frames (sent
 * in awkward chunk sizes that split frames), InvokeModel embeddings. Refuses requests whose
 * SigV4 Authorization header is malformed. Model {@code throttled-once} throttles its first stream.
 */
final class FakeBedrock {
  static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
  static final Pattern AUTHORIZATION = Pattern.compile("AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY
      + "/\\d{8}/us-east-1/bedrock/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, "
      + "Signature=[0-9a-f]{64}");

  private FakeBedrock() {}

  static FakeProvider start() throws Exception {
    AtomicInteger throttles = new AtomicInteger();
    return new FakeProvider(r -> answer(r, throttles));
  }

  private static Reply answer(Received r, AtomicInteger throttles) {
    String auth = r.headers().get("authorization");
    if (auth == null || !AUTHORIZATION.matcher(auth).matches() || r.headers().get("x-amz-date") == null) {
      return Reply.json(403, "{\"message\":\"The request signature we calculated does not match the signature"
          + " you provided.\"}").header("x-amzn-ErrorType", "InvalidSignatureException:http://internal.amazon.com/");
    }
    String path = r.path();
    if (path.contains("/model/invalid-model/")) {
      return Reply.json(400, FakeProvider.fixture("bedrock/error_validation.json"))
          .header("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/");
    }
    if (path.endsWith("/invoke")) {
      return Reply.json(200, FakeProvider.fixture("bedrock/titan_embed.json"));
    }
    JsonNode body = r.json();
    JsonNode messages = body.path("messages");
    JsonNode lastContent = messages.get(messages.size() - 1).path("content");
    boolean toolResult = lastContent.get(0).has("toolResult");
    boolean tools = body.has("toolConfig") && !toolResult;
    if (path.endsWith("/converse-stream")) {
      if (path.contains("/model/throttled-once/") && throttles.getAndIncrement() == 0) {
        return frames("bedrock/stream_throttled.events");
      }
      return frames(tools ? "bedrock/stream_tool_use.events" : "bedrock/stream_text.events");
    }
    if (toolResult) {
      return Reply.json(200, FakeProvider.fixture("bedrock/converse_after_tool.json"));
    }
    return Reply.json(200, FakeProvider.fixture(tools ? "bedrock/converse_tool_use.json"
        : "bedrock/converse_text.json"));
  }

  /** Each fixture line ("type TAB payload"; "!type" for an exception) as one binary frame. */
  static Reply frames(String fixture) {
    Buffer all = Buffer.buffer();
    for (String line : FakeProvider.fixture(fixture).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split("\t", 2);
      Map<String, HeaderValue> headers = new LinkedHashMap<>();
      if (parts[0].startsWith("!")) {
        headers.put(":exception-type", HeaderValue.fromString(parts[0].substring(1)));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
      } else {
        headers.put(":event-type", HeaderValue.fromString(parts[0]));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
      }
      Message m = new Message(headers, parts[1].getBytes(StandardCharsets.UTF_8));
      java.nio.ByteBuffer bb = m.toByteBuffer();
      byte[] bytes = new byte[bb.remaining()];
      bb.get(bytes);
      all.appendBytes(bytes);
    }
    List<Buffer> chunks = new ArrayList<>(); // 37-byte pieces: frames split at arbitrary points
    for (int i = 0; i < all.length(); i += 37) {
      chunks.add(all.getBuffer(i, Math.min(all.length(), i + 37)));
    }
    return new Reply(200, "application/vnd.amazon.eventstream", chunks, MultiMap.caseInsensitiveMultiMap());
  }
}

package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.concurrent.CompletableFuture;

/**
 * Counts tokens with jtokkit when an upstream reports no usage. Counts follow OpenAI's published
 * chat accounting (a few tokens of framing per message), so they are estimates for other models.
 */
public final class TokenCounter {
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_REPLY_PRIMING = 3;

  // Reading the two vocabularies takes about a third of the gateway's start-up CPU time: they load
  // on a background thread from construction, in parallel with the rest of start-up, and a server
  // waits for them (awaitVocabularies) before it listens, so that no count ever waits on an event
  // loop (which would hold up every other request and timer of that loop).
  private final CompletableFuture<Encoding> o200k;
  private final CompletableFuture<Encoding> cl100k;

  public TokenCounter() {
    EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
    this.o200k = CompletableFuture.supplyAsync(() -> registry.getEncoding(EncodingType.O200K_BASE));
    this.cl100k = o200k.thenApplyAsync(o -> registry.getEncoding(EncodingType.CL100K_BASE));
  }

  /** Waits until both vocabularies are read; call it before serving. */
  public void awaitVocabularies() {
    o200k.join();
    cl100k.join();
  }

  private Encoding encodingFor(String model) {
    String m = model == null ? "" : model;
    boolean older = m.startsWith("gpt-3.5") || m.startsWith("gpt-4-") || m.equals("gpt-4")
        || m.startsWith("text-embedding");
    return (older ? cl100k : o200k).join();
  }

  public long count(String model, String text) {
    return text == null || text.isEmpty() ? 0 : encodingFor(model).countTokensOrdinary(text);
  }

  /** Prompt tokens of an OpenAI chat or embeddings request body. */
  public long countPrompt(String model, JsonNode body) {
    Encoding enc = encodingFor(model);
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray()) {
      long total = TOKENS_REPLY_PRIMING;
      for (JsonNode msg : messages) {
        total += TOKENS_PER_MESSAGE;
        total += countText(enc, msg.path("role").asText(""));
        total += countText(enc, msg.path("name").asText(""));
        total += countContent(enc, msg.get("content"));
        JsonNode calls = msg.get("tool_calls");
        if (calls != null) {
          total += countText(enc, calls.toString());
        }
      }
      JsonNode tools = body.get("tools");
      if (tools != null && tools.isArray() && !tools.isEmpty()) {
        total += countText(enc, tools.toString());
      }
      return total;
    }
    JsonNode input = body.get("input");
    if (input != null) {
      return countContent(enc, input);
    }
    return 0;
  }

  private static long countContent(Encoding enc, JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return countText(enc, content.textValue());
    }
    long total = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.isTextual()) {
          total += countText(enc, part.textValue());
        } else if (part.has("text")) {
          total += countText(enc, part.get("text").asText(""));
        }
      }
    }
    return total;
  }

  private static long countText(Encoding enc, String text) {
    return text.isEmpty() ? 0 : enc.countTokensOrdinary(text);
  }
}

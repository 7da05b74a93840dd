package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Counts tokens with jtokkit when an upstream reports no usage. Counts follow OpenAI's published
 * chat accounting (a few tokens of framing per message), so they are estimates for other models.
 */
public final class TokenCounter {
  private static final int TOKENS_PER_MESSAGE = 3;
  private static final int TOKENS_REPLY_PRIMING = 3;

  // Reading the two vocabularies costs about half a second of CPU and leaves ~50 MB of maps on the
  // heap, which on two cores was the largest part of start-up (its own thread, the young
  // collections copying the maps, the JIT compiling the reader). A server starts reading them once
  // it listens (load) and holds its LLM requests until they are read (loaded), so that no count
  // waits on an event loop; anything that counts earlier starts the reading itself and waits.
  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
  private final Executor reader;
  /** The reading under way or done; null before the first ask, and again after a reading failed. */
  private final AtomicReference<CompletableFuture<Vocabularies>> reading = new AtomicReference<>();

  private record Vocabularies(Encoding o200k, Encoding cl100k) { }

  /** A counter that reads its vocabularies on the common pool. */
  public TokenCounter() {
    this(ForkJoinPool.commonPool());
  }

  /** A counter that reads its vocabularies with {@code reader} (one task, when first asked). */
  public TokenCounter(Executor reader) {
    this.reader = reader;
  }

  /**
   * Starts reading both vocabularies in the background, the first time it is called, and returns
   * what completes once they are read.
   */
  public CompletableFuture<Void> load() {
    return vocabularies().thenApply(v -> null);
  }

  /** Whether both vocabularies are read (counting then never waits). */
  public boolean loaded() {
    CompletableFuture<Vocabularies> v = reading.get();
    return v != null && v.isDone() && !v.isCompletedExceptionally();
  }

  /** Waits until both vocabularies are read, starting the reading if nothing has. */
  public void awaitVocabularies() {
    vocabularies().join();
  }

  private CompletableFuture<Vocabularies> vocabularies() {
    CompletableFuture<Vocabularies> started = reading.get();
    if (started != null) {
      return started;
    }
    CompletableFuture<Vocabularies> mine = new CompletableFuture<>();
    started = reading.compareAndExchange(null, mine);
    if (started != null) {
      return started; // another thread started the reading first
    }
    try {
      reader.execute(() -> {
        try {
          mine.complete(new Vocabularies(registry.getEncoding(EncodingType.O200K_BASE),
              registry.getEncoding(EncodingType.CL100K_BASE)));
        } catch (RuntimeException | Error e) { // out of memory, say: those waiting fail, the next ask reads again
          failed(mine, e);
        }
      });
    } catch (RuntimeException e) { // a reader that refuses the task: counts fail instead of waiting forever
      failed(mine, e);
    }
    return mine;
  }

  private void failed(CompletableFuture<Vocabularies> attempt, Throwable cause) {
    reading.compareAndSet(attempt, null);
    attempt.completeExceptionally(cause);
  }

  private Encoding encodingFor(String model) {
    String m = model == null ? "" : model;
    boolean older = m.startsWith("gpt-3.5") || m.startsWith("gpt-4-") || m.equals("gpt-4")
        || m.startsWith("text-embedding");
    Vocabularies v = vocabularies().join();
    return older ? v.cl100k() : v.o200k();
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

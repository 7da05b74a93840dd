package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;

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

  /** How many prompt texts per vocabulary keep their counts (a few MB at most). */
  private static final int COUNTS_KEPT = 32_768;
  private final CountedTexts o200kCounts;
  private final CountedTexts cl100kCounts;

  /** A counter that reads its vocabularies on the common pool. */
  public TokenCounter() {
    this(ForkJoinPool.commonPool());
  }

  /** A counter that reads its vocabularies with {@code reader} (one task, when first asked). */
  public TokenCounter(Executor reader) {
    this(reader, COUNTS_KEPT);
  }

  /** @param countsKept how many prompt texts per vocabulary keep their counts; 0 counts every text every time */
  TokenCounter(Executor reader, int countsKept) {
    this.reader = reader;
    SecureRandom random = new SecureRandom();
    this.o200kCounts = new CountedTexts(countsKept, random);
    this.cl100kCounts = new CountedTexts(countsKept, random);
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

  private static boolean older(String model) {
    String m = model == null ? "" : model;
    return m.startsWith("gpt-3.5") || m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("text-embedding");
  }

  private Encoding encodingFor(String model) {
    Vocabularies v = vocabularies().join();
    return older(model) ? v.cl100k() : v.o200k();
  }

  public long count(String model, String text) {
    return text == null || text.isEmpty() ? 0 : encodingFor(model).countTokensOrdinary(text);
  }

  /**
   * Prompt tokens of an OpenAI chat or embeddings request body. Each text's count is kept (by a
   * keyed hash, see {@link CountedTexts}), since the next turn of a conversation sends it again.
   */
  public long countPrompt(String model, JsonNode body) {
    Encoding encoding = encodingFor(model);
    CountedTexts counts = older(model) ? cl100kCounts : o200kCounts;
    ToLongFunction<String> enc = text -> text.isEmpty() ? 0 : counts.count(text, encoding::countTokensOrdinary);
    JsonNode messages = body.get("messages");
    if (messages != null && messages.isArray()) {
      long total = TOKENS_REPLY_PRIMING;
      for (JsonNode msg : messages) {
        total += TOKENS_PER_MESSAGE;
        total += enc.applyAsLong(msg.path("role").asText(""));
        total += enc.applyAsLong(msg.path("name").asText(""));
        total += countContent(enc, msg.get("content"));
        JsonNode calls = msg.get("tool_calls");
        if (calls != null) {
          total += enc.applyAsLong(calls.toString());
        }
      }
      JsonNode tools = body.get("tools");
      if (tools != null && tools.isArray() && !tools.isEmpty()) {
        total += enc.applyAsLong(tools.toString());
      }
      return total;
    }
    JsonNode input = body.get("input");
    if (input != null) {
      return countContent(enc, input);
    }
    return 0;
  }

  private static long countContent(ToLongFunction<String> enc, JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return enc.applyAsLong(content.textValue());
    }
    long total = 0;
    if (content.isArray()) {
      for (JsonNode part : content) {
        if (part.isTextual()) {
          total += enc.applyAsLong(part.textValue());
        } else if (part.has("text")) {
          total += enc.applyAsLong(part.get("text").asText(""));
        }
      }
    }
    return total;
  }
}

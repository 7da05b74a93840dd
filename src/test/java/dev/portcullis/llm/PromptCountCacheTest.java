package dev.portcullis.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A prompt's count is the same whether its texts were seen before or not; a text seen before is
 * not counted again; the table stays within its bound; and two gateways key their tables apart.
 */
class PromptCountCacheTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode conversation(int turns) {
    ObjectNode body = JSON.createObjectNode().put("model", "gpt-4o");
    ArrayNode messages = body.putArray("messages");
    messages.addObject().put("role", "system").put("content", "You are a careful coding agent. ".repeat(40));
    for (int i = 0; i < turns; i++) {
      messages.addObject().put("role", "user").put("content", "Step " + i + ": read file " + i + ".java and fix it.");
      ObjectNode answer = messages.addObject().put("role", "assistant").put("content", "Done with step " + i + ".");
      answer.putArray("tool_calls").addObject().put("id", "call_" + i).put("type", "function").putObject("function")
          .put("name", "read_file").put("arguments", "{\"path\":\"src/" + i + ".java\"}");
      messages.addObject().put("role", "tool").put("tool_call_id", "call_" + i)
          .put("content", ("class C" + i + " { int x = " + i + "; }\n").repeat(30));
    }
    body.putArray("tools").addObject().put("type", "function").putObject("function").put("name", "read_file")
        .put("description", "Reads a file of the repository.");
    return body;
  }

  @Test
  void everyTurnOfAConversationCountsTheSameWithAndWithoutWhatWasSeenBefore() {
    TokenCounter kept = new TokenCounter(Runnable::run);
    TokenCounter keepsNothing = new TokenCounter(Runnable::run, 0);
    for (int turns = 1; turns <= 12; turns++) {
      ObjectNode body = conversation(turns);
      assertThat(kept.countPrompt("gpt-4o", body)).as("turn %d", turns)
          .isEqualTo(keepsNothing.countPrompt("gpt-4o", body)).isPositive();
      assertThat(kept.countPrompt("gpt-4", body)).as("turn %d, older vocabulary", turns)
          .isEqualTo(keepsNothing.countPrompt("gpt-4", body));
    }
  }

  @Test
  void aTextSeenBeforeIsNotCountedAgainShortOnesIncludedButTheEmptyOneIsNotKept() {
    CountedTexts texts = new CountedTexts(100, new SecureRandom());
    AtomicInteger counted = new AtomicInteger();
    String longText = "a text long enough to be kept by its hash";
    assertThat(texts.count(longText, t -> counted.incrementAndGet() * 0L + t.length())).isEqualTo(longText.length());
    assertThat(texts.count(longText, t -> counted.incrementAndGet() * 0L + 1)).isEqualTo(longText.length());
    assertThat(counted).hasValue(1);
    assertThat(texts.count(longText + ".", t -> counted.incrementAndGet() * 0L + 7)).isEqualTo(7); // a different text
    texts.count("terse", t -> counted.incrementAndGet());
    texts.count("terse", t -> counted.incrementAndGet());
    assertThat(counted).hasValue(3);
    texts.count("", t -> counted.incrementAndGet());
    texts.count("", t -> counted.incrementAndGet());
    assertThat(counted).hasValue(5);
    assertThat(texts.size()).isEqualTo(3);

    CountedTexts none = new CountedTexts(0, new SecureRandom());
    none.count(longText, t -> counted.incrementAndGet());
    none.count(longText, t -> counted.incrementAndGet());
    assertThat(counted).hasValue(7);
    assertThat(none.size()).isZero();
  }

  @Test
  void theTableStaysWithinItsBound() {
    CountedTexts texts = new CountedTexts(50, new SecureRandom());
    for (int i = 0; i < 1_000; i++) {
      assertThat(texts.count("text number " + i + " of a thousand", String::length))
          .isEqualTo(("text number " + i + " of a thousand").length());
      assertThat(texts.size()).isLessThanOrEqualTo(50);
    }
  }
}

package dev.portcullis.llm;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Token counts of texts seen lately, found again by a keyed hash of the text. Agents send the
 * whole conversation and the same tool definitions with every turn, and a governed request counts
 * its prompt before it is admitted: counting costs about 60 ns a character on the event loop (a
 * 100 KB conversation, 10 ms), hashing about 2 ns, so only what is new in a turn is counted.
 *
 * <p>The hash is SipHash-2-4 under a key drawn when the gateway starts, so a client cannot make a
 * long text collide with a short one it sent before (which would pass a long prompt off as short
 * to the limits). No text is kept, only its hash and count. When full the table starts again
 * empty, which costs one count per text and needs no bookkeeping per hit.
 */
final class CountedTexts {
  /**
   * Shorter texts are counted each time. Only the empty one: even a few words cost the tokenizer
   * a regular-expression matcher and its pass (a system prompt of 14 characters showed in the
   * governed path's profile), far more than a hash and a lookup.
   */
  static final int SHORTEST = 1;

  private final HashFunction hash;
  private final int capacity;
  private final Map<Long, Long> counts = new ConcurrentHashMap<>();

  /** @param capacity how many counts are kept; 0 keeps none */
  CountedTexts(int capacity, SecureRandom random) {
    this.hash = Hashing.sipHash24(random.nextLong(), random.nextLong());
    this.capacity = capacity;
  }

  /** The count of {@code text}, from {@code counter} the first time it is seen. */
  long count(String text, ToLongFunction<String> counter) {
    if (text.length() < SHORTEST || capacity == 0) {
      return counter.applyAsLong(text);
    }
    Long key = hash.hashString(text, StandardCharsets.UTF_8).asLong();
    Long known = counts.get(key);
    if (known != null) {
      return known;
    }
    long n = counter.applyAsLong(text);
    if (counts.size() >= capacity) {
      counts.clear();
    }
    counts.put(key, n);
    return n;
  }

  int size() {
    return counts.size();
  }
}

package dev.portcullis.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What a governed request spends counting its prompt before it is admitted (TPM and budget
 * reservations), for an agent's turn: a conversation of about 100 KB (system prompt, 40 steps of
 * user message, tool call and file contents, tool definitions) plus one new user message. Counted
 * by a counter that has seen the earlier turns, and by one that keeps no counts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PromptCountBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenCounter seenBefore;
  private TokenCounter keepsNothing;
  private ObjectNode conversation;
  private long turn;

  @Setup
  public void setUp() {
    conversation = JSON.createObjectNode().put("model", "gpt-4o");
    ArrayNode messages = conversation.putArray("messages");
    messages.addObject().put("role", "system").put("content", "You are a careful coding agent. ".repeat(200));
    for (int i = 0; i < 40; i++) {
      messages.addObject().put("role", "user").put("content", "Step " + i + ": read file " + i + ".java and fix it.");
      ObjectNode answer = messages.addObject().put("role", "assistant").putNull("content");
      answer.putArray("tool_calls").addObject().put("id", "call_" + i).put("type", "function").putObject("function")
          .put("name", "read_file").put("arguments", "{\"path\":\"src/" + i + ".java\"}");
      messages.addObject().put("role", "tool").put("tool_call_id", "call_" + i)
          .put("content", ("final class C" + i + " {\n  int x = " + i + "; // the value of step " + i + "\n}\n")
              .repeat(40));
    }
    ArrayNode tools = conversation.putArray("tools");
    for (String name : new String[] {"read_file", "write_file", "run_tests", "search"}) {
      tools.addObject().put("type", "function").putObject("function").put("name", name)
          .put("description", ("Does " + name + " on the repository and reports what happened. ").repeat(10))
          .putObject("parameters").put("type", "object");
    }
    seenBefore = new TokenCounter(Runnable::run);
    keepsNothing = new TokenCounter(Runnable::run, 0);
    seenBefore.countPrompt("gpt-4o", conversation);
  }

  /** The body of the next turn: the conversation so far and one new user message. */
  private ObjectNode nextTurn() {
    ObjectNode body = conversation.deepCopy();
    ((ArrayNode) body.get("messages")).addObject().put("role", "user")
        .put("content", "Turn " + (++turn) + ": now run the tests and tell me which ones fail.");
    return body;
  }

  /** What the two others spend building their turn's body, to subtract. */
  @Benchmark
  public int nextTurnBodyOnly() {
    return nextTurn().size();
  }

  @Benchmark
  public long nextTurnSeenBefore() {
    return seenBefore.countPrompt("gpt-4o", nextTurn());
  }

  @Benchmark
  public long nextTurnCountedWhole() {
    return keepsNothing.countPrompt("gpt-4o", nextTurn());
  }
}

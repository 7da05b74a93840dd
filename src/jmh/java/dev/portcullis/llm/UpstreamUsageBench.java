package dev.portcullis.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Reading the usage of a relayed chat completion (every non-streamed answer): the streaming read
 * the proxy uses, against the tree of the whole answer it replaced. A well-formed answer that falls
 * back to the tree (as every one did until the usage member was read without the trailing-token
 * check) costs the two together.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class UpstreamUsageBench {
  /** The demo upstream's answer, as bench/all.sh's upstream sends it. */
  private static final String ANSWER = "{\"id\":\"chatcmpl-demodcf7bcd249db43c6\",\"object\":\"chat.completion\","
      + "\"created\":1796409794,\"model\":\"bench\",\"system_fingerprint\":\"fp_portcullis_demo\",\"choices\":[{\"index\":0,"
      + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the Portcullis demo model. You said: hi\","
      + "\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":8,"
      + "\"completion_tokens\":14,\"total_tokens\":22,\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
      + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,"
      + "\"rejected_prediction_tokens\":0}}}";

  private UpstreamJson json;
  private Buffer answer;
  private byte[] bytes;

  @Setup
  public void setUp() {
    json = new UpstreamJson(new ObjectMapper());
    answer = Buffer.buffer(ANSWER);
    bytes = answer.getBytes();
    if (json.streamedUsage(bytes, "choices").isMissingNode()) {
      throw new IllegalStateException("a well-formed answer is meant to be read without a tree");
    }
  }

  @Benchmark
  public JsonNode usageStreamed() {
    return json.usage(answer, "choices", "the chat completion");
  }

  @Benchmark
  public JsonNode wholeTree() {
    return json.object(answer, "the chat completion").get("usage");
  }
}

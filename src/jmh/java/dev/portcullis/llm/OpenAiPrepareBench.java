package dev.portcullis.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.DeploymentConfig;
import dev.portcullis.llm.wire.openai.OpenAiAdapter;
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
 * The OpenAI request preparation (ProviderAdapter.prepare for openai_compatible): the common case
 * forwards the client's bytes unchanged and only builds headers; a renamed model or a stream that
 * needs usage asked for makes it copy and re-serialise the body.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OpenAiPrepareBench {
  private static final String BODY = "{\"model\":\"bench\",\"messages\":[{\"role\":\"system\",\"content\":\"You are "
      + "terse.\"},{\"role\":\"user\",\"content\":\"Say hello to the benchmark.\"}],\"max_tokens\":64}";

  private OpenAiAdapter adapter;
  private Deployment sameModel;
  private Deployment renamedModel;
  private LlmRequest request;
  private LlmRequest streamRequest;

  @Setup
  public void setUp() throws Exception {
    ObjectMapper json = new ObjectMapper();
    adapter = new OpenAiAdapter(json, new TokenCounter());
    sameModel = deployment(null);
    renamedModel = deployment("gpt-4o-mini");
    ObjectNode body = (ObjectNode) json.readTree(BODY);
    request = new LlmRequest(Endpoint.CHAT_COMPLETIONS, "bench", false, body, Buffer.buffer(BODY), "req-1");
    ObjectNode streamBody = body.deepCopy().put("stream", true);
    streamRequest = new LlmRequest(Endpoint.CHAT_COMPLETIONS, "bench", true, streamBody,
        Buffer.buffer(json.writeValueAsBytes(streamBody)), "req-2");
    if (adapter.prepare(request, sameModel).body() != request.raw()) {
      throw new IllegalStateException("an unchanged request is meant to be forwarded as the client's bytes");
    }
  }

  private Deployment deployment(String upstreamModel) {
    DeploymentConfig cfg = new DeploymentConfig.OpenAiCompatible("local", "http://127.0.0.1:19090/v1",
        "upstream-secret", upstreamModel, null, null, null, null);
    return new Deployment("bench", "local", cfg, cfg.baseUrl(), adapter);
  }

  @Benchmark
  public UpstreamRequest forwardUnchanged() {
    return adapter.prepare(request, sameModel);
  }

  @Benchmark
  public UpstreamRequest renameModel() {
    return adapter.prepare(request, renamedModel);
  }

  @Benchmark
  public UpstreamRequest streamAskingUsage() {
    return adapter.prepare(streamRequest, sameModel);
  }
}

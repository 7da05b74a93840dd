package dev.portcullis.server;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The repeated-header check every request passes first: the headers an OpenAI SDK sends (none
 * repeated, the common case), in the server's own header map.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SingletonHeadersBench {
  private MultiMap headers;

  @Setup
  public void setUp() {
    headers = HttpHeaders.headers().add("host", "127.0.0.1:8080").add("accept", "application/json")
        .add("content-type", "application/json").add("user-agent", "OpenAI/JS 6.49.0")
        .add("x-stainless-lang", "js").add("x-stainless-package-version", "6.49.0")
        .add("x-stainless-os", "Linux").add("x-stainless-arch", "x64").add("x-stainless-runtime", "node")
        .add("x-stainless-runtime-version", "v22.0.0").add("x-stainless-retry-count", "0")
        .add("authorization", "Bearer sk-portcullis-bench").add("content-length", "128")
        .add("accept-encoding", "gzip, deflate").add("connection", "keep-alive");
  }

  @Benchmark
  public String repeated() {
    return SingletonHeaders.repeated(headers);
  }
}

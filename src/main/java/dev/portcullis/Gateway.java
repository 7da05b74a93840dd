package dev.portcullis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.GatewayConfig.DeploymentConfig;
import dev.portcullis.identity.ClientKeyAuthenticator;
import dev.portcullis.llm.CallObserver;
import dev.portcullis.llm.ModelCatalog;
import dev.portcullis.llm.ProviderAdapter;
import dev.portcullis.llm.TokenCounter;
import dev.portcullis.llm.demo.DemoProvider;
import dev.portcullis.llm.wire.openai.OpenAiAdapter;
import dev.portcullis.server.AccessLog;
import dev.portcullis.server.GatewayVerticle;
import dev.portcullis.telemetry.GatewayMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The composition root: builds every component once, from configuration, and starts the
 * listeners. Nothing else constructs shared components.
 */
public final class Gateway implements AutoCloseable {
  private final Vertx vertx;
  private final DemoProvider demo;
  private final GatewayMetrics metrics;
  private final int port;

  private Gateway(Vertx vertx, DemoProvider demo, GatewayMetrics metrics, int port) {
    this.vertx = vertx;
    this.demo = demo;
    this.metrics = metrics;
    this.port = port;
  }

  /**
   * Starts the gateway and waits until it listens.
   *
   * @param port the port to listen on (0 for any free port); overrides the config's
   * @param eventLoops how many event loops serve requests (usually the number of cores)
   */
  public static Gateway start(GatewayConfig config, int port, int eventLoops) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setPreferNativeTransport(true));
    try {
      TokenCounter tokens = new TokenCounter();
      ObjectMapper requestJson = new ObjectMapper(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder()
              .maxNestingDepth(config.server().maxJsonDepth())
              .build())
          .build());
      DemoProvider demo = null;
      if (usesDemo(config)) {
        demo = await(new DemoProvider(tokens).start(vertx, "127.0.0.1", 0));
      }
      String demoBase = demo == null ? null : "http://127.0.0.1:" + demo.port() + "/v1";
      ProviderAdapter openai = new OpenAiAdapter(requestJson, tokens);
      ModelCatalog catalog = new ModelCatalog(config, type -> openai,
          d -> baseUrlFor(d, demoBase));
      GatewayMetrics metrics = new GatewayMetrics();
      AccessLog accessLog = new AccessLog(config.server().accessLog());
      CallObserver observer = s -> {
        metrics.request(s.deployment() == null ? new GatewayMetrics.Labels(s.model(), "none", "none")
            : s.deployment().labels(), s.status(), s.durationNanos(), s.usage().promptTokens(),
            s.usage().completionTokens());
        accessLog.log(s);
      };
      ClientKeyAuthenticator auth = new ClientKeyAuthenticator(config.clients().keys());
      AtomicBoolean ready = new AtomicBoolean();

      // Instances of one deployment share the listening port, also a random one (port 0).
      AtomicReference<GatewayVerticle> any = new AtomicReference<>();
      await(vertx.deployVerticle(() -> {
        GatewayVerticle v = new GatewayVerticle(config, port, requestJson, catalog, metrics, observer, auth,
            ready::get);
        any.set(v);
        return v;
      }, new DeploymentOptions().setInstances(eventLoops)));
      int bound = any.get().actualPort();
      ready.set(true);
      return new Gateway(vertx, demo, metrics, bound);
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  private static boolean usesDemo(GatewayConfig config) {
    return config.models().values().stream()
        .flatMap(g -> g.deployments().stream())
        .anyMatch(d -> "demo".equals(d.type()));
  }

  private static String baseUrlFor(DeploymentConfig d, String demoBase) {
    return switch (d.type()) {
      case "demo" -> demoBase;
      case "openai" -> OpenAiAdapter.OPENAI_BASE_URL;
      default -> throw new IllegalStateException("deployment of type " + d.type() + " has no base_url");
    };
  }

  public int port() {
    return port;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  @Override
  public void close() throws Exception {
    if (demo != null) {
      await(demo.close());
    }
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception ex) {
        throw ex;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out starting or stopping the gateway", e);
    }
  }
}

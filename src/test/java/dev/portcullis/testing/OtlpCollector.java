package dev.portcullis.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * An OTLP/HTTP collector in the test's process: takes {@code POST /v1/traces} and
 * {@code POST /v1/logs} (protobuf), decodes them with the official opentelemetry-proto classes
 * and keeps the spans and log records for assertions.
 */
public final class OtlpCollector implements AutoCloseable {
  /** One received span with its service name and its attributes as strings. */
  public record ReceivedSpan(String service, String name, String kind, String traceId, String spanId,
      String parentSpanId, Map<String, String> attributes, String statusCode) {
    public String attr(String key) {
      return attributes.get(key);
    }
  }

  /** One received log record. */
  public record ReceivedLog(String service, String eventName, String severityText, long timeNanos, String body,
      Map<String, String> attributes) {}

  private final Vertx vertx;
  private final HttpServer server;
  private final List<ReceivedSpan> spans = new ArrayList<>();
  private final List<ReceivedLog> logs = new ArrayList<>();
  private final List<MultiMap> requestHeaders = new ArrayList<>();

  private OtlpCollector(Vertx vertx, HttpServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  public static OtlpCollector start() throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0));
    OtlpCollector c = new OtlpCollector(vertx, server);
    server.requestHandler(req -> req.body().onSuccess(body -> {
      try {
        synchronized (c) {
          c.requestHeaders.add(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
        }
        if (req.path().equals("/v1/traces")) {
          c.traces(ExportTraceServiceRequest.parseFrom(body.getBytes()));
        } else if (req.path().equals("/v1/logs")) {
          c.logs(ExportLogsServiceRequest.parseFrom(body.getBytes()));
        } else {
          req.response().setStatusCode(404).end();
          return;
        }
        // an empty Export*ServiceResponse: everything accepted
        req.response().putHeader("content-type", "application/x-protobuf").end();
      } catch (InvalidProtocolBufferException e) {
        req.response().setStatusCode(400).end(e.getMessage());
      }
    }));
    server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return c;
  }

  /** What telemetry.otlp.endpoint points at. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  private synchronized void traces(ExportTraceServiceRequest r) {
    for (var rs : r.getResourceSpansList()) {
      String service = attributes(rs.getResource().getAttributesList()).get("service.name");
      for (var ss : rs.getScopeSpansList()) {
        for (Span s : ss.getSpansList()) {
          spans.add(new ReceivedSpan(service, s.getName(), s.getKind().name(), hex(s.getTraceId().toByteArray()),
              hex(s.getSpanId().toByteArray()), hex(s.getParentSpanId().toByteArray()),
              attributes(s.getAttributesList()), s.getStatus().getCode().name()));
        }
      }
    }
  }

  private synchronized void logs(ExportLogsServiceRequest r) {
    for (var rl : r.getResourceLogsList()) {
      String service = attributes(rl.getResource().getAttributesList()).get("service.name");
      for (var sl : rl.getScopeLogsList()) {
        for (LogRecord l : sl.getLogRecordsList()) {
          logs.add(new ReceivedLog(service, l.getEventName(), l.getSeverityText(), l.getTimeUnixNano(),
              value(l.getBody()), attributes(l.getAttributesList())));
        }
      }
    }
  }

  private static Map<String, String> attributes(List<KeyValue> kvs) {
    return kvs.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue()), (a, b) -> b));
  }

  private static String value(AnyValue v) {
    return switch (v.getValueCase()) {
      case STRING_VALUE -> v.getStringValue();
      case INT_VALUE -> Long.toString(v.getIntValue());
      case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
      case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
      default -> v.toString();
    };
  }

  private static String hex(byte[] b) {
    return b.length == 0 ? "" : HexFormat.of().formatHex(b);
  }

  public synchronized List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  public synchronized List<ReceivedLog> logs() {
    return List.copyOf(logs);
  }

  public synchronized List<MultiMap> requestHeaders() {
    return List.copyOf(requestHeaders);
  }

  /** Waits until the spans received satisfy {@code done}, then returns them. */
  public List<ReceivedSpan> awaitSpans(Predicate<List<ReceivedSpan>> done) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      List<ReceivedSpan> now = spans();
      if (done.test(now)) {
        return now;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("spans not received in time; got " + spans());
  }

  /** Waits until the log records received satisfy {@code done}, then returns them. */
  public List<ReceivedLog> awaitLogs(Predicate<List<ReceivedLog>> done) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      List<ReceivedLog> now = logs();
      if (done.test(now)) {
        return now;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("log records not received in time; got " + logs());
  }

  public synchronized void clear() {
    spans.clear();
    logs.clear();
    requestHeaders.clear();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}

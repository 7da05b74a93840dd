package dev.portcullis.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ReplicaRequests} over Redis pub/sub: every replica listens on its own channel
 * ({@code <namespace>:replica:<name>}) on the subscriber connection it already has. A request,
 * the messages sent along, the answer and a cancellation are each one PUBLISH; PUBLISH says how
 * many listened, so a request to a replica that is gone fails at once. While it works on a
 * request, the answering replica says so every second; an asker that hears nothing for
 * {@link #SILENT_MS} gives up (the replica died or Redis went away), so a lost replica costs the
 * requests it held, never a hang.
 */
final class RedisReplicaRequests implements ReplicaRequests {
  private static final Logger LOG = LoggerFactory.getLogger(RedisReplicaRequests.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Replica names are the hex ids replicas give themselves: nothing else reaches a channel name. */
  private static final Pattern NAME = Pattern.compile("[0-9a-f]{16}");
  static final long SILENT_MS = 6_000;
  private static final long ALIVE_MS = 1_000;

  private final Vertx vertx;
  private final Function<Request, Future<Response>> redis;
  private final String prefix;
  private final String self;
  private final Map<String, Responder> services = new ConcurrentHashMap<>();
  private final Map<String, Asking> asking = new ConcurrentHashMap<>();
  private final Map<String, Serving> serving = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final long timer;

  /** A request this replica sent, awaiting its answer. */
  private static final class Asking {
    final Promise<String> answer = Promise.promise();
    final Consumer<String> messages;
    volatile long heardNanos = System.nanoTime();

    Asking(Consumer<String> messages) {
      this.messages = messages;
    }
  }

  /** A request this replica answers; what it sends back goes one PUBLISH after the other, in order. */
  private final class Serving {
    final String from;
    final String id;
    volatile Runnable cancel;
    private Future<?> sent = Future.succeededFuture();

    Serving(String from, String id) {
      this.from = from;
      this.id = id;
    }

    synchronized void send(ObjectNode message) {
      message.put("id", id);
      sent = sent.transform(ar -> publish(from, message));
    }
  }

  /** @param namespace what every key and channel of the deployment starts with */
  RedisReplicaRequests(Vertx vertx, Function<Request, Future<Response>> redis, String namespace, String self) {
    this.vertx = vertx;
    this.redis = redis;
    this.prefix = namespace + ":replica:";
    this.self = self;
    this.timer = vertx.setPeriodic(ALIVE_MS, t -> tick());
  }

  /** The channel this replica listens on. */
  String channel() {
    return prefix + self;
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public void serve(String service, Responder responder) {
    services.put(service, responder);
  }

  @Override
  public Future<String> ask(String replica, String service, String body, Consumer<String> messages,
      Consumer<Runnable> onCancel) {
    if (replica == null || !NAME.matcher(replica).matches()) {
      return Future.failedFuture(new Gone(String.valueOf(replica)));
    }
    String id = Long.toString(ids.incrementAndGet());
    Asking a = new Asking(messages);
    asking.put(id, a);
    ObjectNode request = JSON.createObjectNode().put("t", "ask").put("id", id).put("from", self)
        .put("service", service).put("body", body);
    publish(replica, request).onComplete(ar -> {
      if (ar.failed()) {
        fail(id, new Unanswered("Redis did not take the request: " + ar.cause().getMessage()));
      } else if (ar.result() == null || ar.result().toLong() == 0) {
        fail(id, new Gone(replica));
      }
    });
    onCancel.accept(() -> {
      if (asking.containsKey(id)) { // the answer still comes: the other replica's outcome of the cancellation
        publish(replica, JSON.createObjectNode().put("t", "cancel").put("id", id).put("from", self));
      }
    });
    return a.answer.future();
  }

  private void fail(String id, RuntimeException e) {
    Asking a = asking.remove(id);
    if (a != null) {
      a.answer.tryFail(e);
    }
  }

  /** A message on this replica's channel. */
  void received(String payload) {
    JsonNode m;
    try {
      m = JSON.readTree(payload);
    } catch (Exception e) {
      return; // not one of ours (a newer replica's, say): nothing to answer
    }
    String id = m.path("id").asText();
    switch (m.path("t").asText()) {
      case "ask" -> answer(m.path("from").asText(), id, m.path("service").asText(), m.path("body").asText());
      case "cancel" -> {
        Serving s = serving.get(m.path("from").asText() + "/" + id);
        Runnable c = s == null ? null : s.cancel;
        if (c != null) {
          c.run();
        }
      }
      case "message" -> {
        Asking a = asking.get(id);
        if (a != null) {
          a.heardNanos = System.nanoTime();
          a.messages.accept(m.path("body").asText());
        }
      }
      case "alive" -> {
        Asking a = asking.get(id);
        if (a != null) {
          a.heardNanos = System.nanoTime();
        }
      }
      case "answer" -> {
        Asking a = asking.remove(id);
        if (a != null) {
          a.answer.tryComplete(m.path("body").asText());
        }
      }
      case "failed" -> fail(id, new Unanswered(m.path("reason").asText()));
      default -> { }
    }
  }

  private void answer(String from, String id, String service, String body) {
    if (!NAME.matcher(from).matches()) {
      return;
    }
    Serving s = new Serving(from, id);
    Responder r = services.get(service);
    if (r == null) {
      s.send(JSON.createObjectNode().put("t", "failed").put("reason", "replica " + self + " serves no '" + service
          + "'"));
      return;
    }
    String key = from + "/" + id;
    serving.put(key, s);
    Future<String> answered;
    try {
      answered = r.answer(body, text -> s.send(JSON.createObjectNode().put("t", "message").put("body", text)),
          c -> s.cancel = c);
    } catch (RuntimeException e) {
      answered = Future.failedFuture(e);
    }
    answered.onComplete(ar -> {
      serving.remove(key);
      if (ar.succeeded()) {
        s.send(JSON.createObjectNode().put("t", "answer").put("body", ar.result()));
      } else {
        LOG.atWarn().addKeyValue("service", service).addKeyValue("error", ar.cause().toString())
            .log("a request from another replica failed");
        s.send(JSON.createObjectNode().put("t", "failed").put("reason", "replica " + self + " failed to answer"));
      }
    });
  }

  /** Says "still working" for what this replica answers; gives up what it asked that went silent. */
  private void tick() {
    serving.values().forEach(s -> s.send(JSON.createObjectNode().put("t", "alive")));
    long now = System.nanoTime();
    asking.forEach((id, a) -> {
      if (now - a.heardNanos > TimeUnit.MILLISECONDS.toNanos(SILENT_MS)) {
        fail(id, new Unanswered("the replica holding the request stopped answering"));
      }
    });
  }

  private Future<Response> publish(String replica, ObjectNode message) {
    return redis.apply(Request.cmd(Command.PUBLISH).arg(prefix + replica).arg(message.toString()));
  }

  void close() {
    vertx.cancelTimer(timer);
    asking.keySet().forEach(id -> fail(id, new Unanswered("this replica is stopping")));
  }
}

package dev.portcullis.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.portcullis.config.AuditConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Exports audit events to an HTTP endpoint (a SIEM's collector): each batch is one
 * {@code POST} of a JSON array of up to {@code batch_size} events and checkpoints, in chain order (a batch waits at
 * most 100 ms to fill up). With a {@code secret}, every request is
 * signed: {@code X-Portcullis-Timestamp} (Unix seconds) and {@code X-Portcullis-Signature:
 * sha256=HEX}, the HMAC-SHA-256 of {@code TIMESTAMP + "." + BODY} under the secret; a receiver
 * recomputes it and rejects old timestamps (replays). A batch is retried with exponential
 * backoff on connection failures, 408, 429 and 5xx answers, up to {@code max_attempts}; any
 * other answer drops it.
 */
public final class WebhookAuditSink extends QueuedSink {
  public static final String SIGNATURE = "X-Portcullis-Signature";
  public static final String TIMESTAMP = "X-Portcullis-Timestamp";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI url;
  private final AuditConfig.WebhookSink config;
  private final HttpClient http;
  private final long firstBackoffMs;

  public WebhookAuditSink(AuditConfig.WebhookSink config, Drops drops) {
    this(config, drops, 500);
  }

  WebhookAuditSink(AuditConfig.WebhookSink config, Drops drops, long firstBackoffMs) {
    super("webhook", DEFAULT_CAPACITY, config.batchSize(), drops);
    this.url = URI.create(config.url());
    this.config = config;
    this.firstBackoffMs = firstBackoffMs;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    linger(100); // a batch per POST, also when events come one by one
    startThread();
  }

  @Override
  protected void send(List<AuditRecord> batch) throws Exception {
    ArrayNode array = JSON.createArrayNode();
    for (AuditRecord e : batch) {
      array.add(AuditJson.tree(e));
    }
    byte[] body = JSON.writeValueAsBytes(array);
    String failure = null;
    for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
      if (attempt > 1) {
        Thread.sleep(Math.min(firstBackoffMs << (attempt - 2), 30_000));
      }
      HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(15))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body));
      config.headers().forEach(req::header);
      if (config.secret() != null && !config.secret().isEmpty()) {
        String ts = Long.toString(System.currentTimeMillis() / 1000);
        req.header(TIMESTAMP, ts).header(SIGNATURE, "sha256=" + sign(config.secret(), ts, body));
      }
      try {
        int status = http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status >= 200 && status < 300) {
          return;
        }
        failure = "HTTP " + status;
        if (!(status == 408 || status == 429 || status >= 500)) {
          break; // the receiver refuses this batch: sending it again changes nothing
        }
      } catch (IOException e) {
        failure = e.toString();
      }
      if (givingUp()) {
        break;
      }
    }
    throw new IOException("webhook " + url.getHost() + " did not take " + batch.size() + " events: " + failure);
  }

  /** Hex HMAC-SHA-256 of {@code timestamp + "." + body}. */
  public static String sign(String secret, String timestamp, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}

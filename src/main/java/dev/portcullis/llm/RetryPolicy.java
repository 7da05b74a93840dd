package dev.portcullis.llm;

import dev.portcullis.config.GatewayConfig.RouterConfig;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.ThreadLocalRandom;

/** Which upstream answers are worth another try, and how long to wait before it. */
final class RetryPolicy {
  private final RouterConfig config;

  RetryPolicy(RouterConfig config) {
    this.config = config;
  }

  int maxAttemptsPerGroup() {
    return config.maxAttempts();
  }

  /**
   * Statuses another attempt may cure: timeouts, rate limits and server errors; 401 and 403
   * too, because they mean this deployment's credential is wrong, not the client's request.
   */
  static boolean retryableStatus(int status) {
    return status == 408 || status == 429 || status >= 500 || status == 401 || status == 403;
  }

  /**
   * Delay before attempt number {@code retry} (1 for the first retry): the upstream's
   * Retry-After when it gave a usable one, else exponential backoff with full jitter.
   */
  long delayMs(int retry, long retryAfterMs) {
    if (retryAfterMs >= 0 && retryAfterMs <= config.maxRetryAfterMs()) {
      return retryAfterMs;
    }
    long ceiling = Math.min(config.backoffMaxMs(), config.backoffInitialMs() << Math.min(retry - 1, 20));
    // Half fixed, half random: spreads retries from many clients without ever retrying at once.
    return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
  }

  /** Reads {@code retry-after-ms} (OpenAI) or {@code Retry-After} (seconds or HTTP date); -1 if none. */
  static long retryAfterMs(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return Math.max(0, (long) Double.parseDouble(ms.trim()));
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    String value = headers.get("retry-after");
    if (value == null) {
      return -1;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(value.trim()) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (DateTimeParseException notDate) {
        return -1;
      }
    }
  }
}

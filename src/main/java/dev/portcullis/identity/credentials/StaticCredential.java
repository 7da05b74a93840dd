package dev.portcullis.identity.credentials;

import dev.portcullis.config.OpenApiConfig.AuthConfig;
import dev.portcullis.identity.Principal;
import io.vertx.core.Future;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fixed secret of the gateway's: {@code static} (one header whose value comes from
 * configuration, i.e. {@code ${ENV}}, or from a file read at start and again when it changes:
 * mounted Kubernetes secrets rotate in place), {@code bearer}, {@code basic} and {@code api_key}
 * (in a header).
 */
final class StaticCredential implements UpstreamCredential {
  private static final Logger LOG = LoggerFactory.getLogger(StaticCredential.class);
  private static final long RECHECK_MS = 1_000;

  private final String header;
  private final String prefix;
  private final Path file;
  private volatile String value;
  private volatile long checkedAt;
  private volatile long modifiedAt = Long.MIN_VALUE;

  private StaticCredential(String header, String prefix, String value, Path file) {
    this.header = header;
    this.prefix = prefix == null ? "" : prefix;
    this.value = value;
    this.file = file;
    if (file != null) {
      reload(true);
    }
  }

  static StaticCredential of(AuthConfig a) {
    return switch (a.type()) {
      case "bearer" -> new StaticCredential("Authorization", "Bearer ", a.token(), null);
      case "basic" -> new StaticCredential("Authorization", "Basic ", Base64.getEncoder().encodeToString(
          (a.username() + ":" + a.password()).getBytes(StandardCharsets.UTF_8)), null);
      case "api_key" -> new StaticCredential(a.name() == null ? "X-API-Key" : a.name(), "", a.value(), null);
      default -> {
        String header = a.header() == null ? "Authorization" : a.header();
        String v = a.value();
        yield v.startsWith("file:") ? new StaticCredential(header, a.prefix(), null, Path.of(v.substring(5)))
            : new StaticCredential(header, a.prefix(), v, null);
      }
    };
  }

  /** Re-reads the file when its modification time changed (at most once a second). */
  private void reload(boolean atStart) {
    long now = System.currentTimeMillis();
    if (!atStart && now - checkedAt < RECHECK_MS) {
      return;
    }
    synchronized (this) {
      if (!atStart && now - checkedAt < RECHECK_MS) {
        return;
      }
      checkedAt = now;
      try {
        long m = Files.getLastModifiedTime(file).toMillis();
        long size = Files.size(file);
        if (m == modifiedAt && value != null) {
          return;
        }
        if (size > 64 * 1024) {
          throw new IOException("larger than 64 KiB");
        }
        value = Files.readString(file, StandardCharsets.UTF_8).strip();
        modifiedAt = m;
        if (!atStart) {
          LOG.atInfo().addKeyValue("file", file.toString()).log("upstream credential file re-read");
        }
      } catch (IOException e) {
        if (atStart) {
          throw new IllegalArgumentException("cannot read the credential file " + file + ": " + e.getMessage(), e);
        }
        LOG.warn("cannot re-read the credential file {} (keeping the last value): {}", file, e.toString());
      }
    }
  }

  @Override
  public boolean perUser() {
    return false;
  }

  @Override
  public Future<Map<String, String>> headers(Principal caller) {
    if (file != null) {
      reload(false);
    }
    return Future.succeededFuture(Map.of(header, prefix + value));
  }

  @Override
  public boolean rejected(Principal caller) {
    if (file == null) {
      return false;
    }
    long before = modifiedAt;
    checkedAt = 0;
    reload(false);
    return modifiedAt != before; // the secret was rotated meanwhile: try the new one
  }

  @Override
  public Set<String> headerNames() {
    return Set.of(header.toLowerCase(Locale.ROOT));
  }
}

package dev.portcullis.config;

import java.util.Map;

/**
 * The {@code telemetry} section: OpenTelemetry export over OTLP/HTTP (protobuf).
 *
 * @param otlp where to send traces (and audit logs); absent: no traces
 * @param serviceName the service.name resource attribute
 * @param sampleRatio share of new traces recorded (a client's sampled traceparent is always followed)
 */
public record TelemetryConfig(Otlp otlp, String serviceName, Double sampleRatio) {
  public TelemetryConfig {
    serviceName = serviceName == null ? "portcullis" : serviceName;
    sampleRatio = sampleRatio == null ? 1.0 : sampleRatio;
  }

  public static TelemetryConfig none() {
    return new TelemetryConfig(null, null, null);
  }

  /**
   * @param endpoint the collector's base URL, e.g. http://localhost:4318 (/v1/traces and /v1/logs are appended)
   * @param headers extra headers (authentication for a hosted collector)
   */
  public record Otlp(String endpoint, Map<String, String> headers, Long timeoutMs) {
    public Otlp {
      headers = headers == null ? Map.of() : Map.copyOf(headers);
      timeoutMs = timeoutMs == null ? 10_000L : timeoutMs;
    }
  }
}

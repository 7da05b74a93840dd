package dev.portcullis.config;

/**
 * The {@code metrics} section: who may scrape {@code GET /metrics}. Absent, the endpoint is open,
 * as Prometheus scrapers expect by default.
 *
 * @param auth the credential a scraper must present, or null for none
 */
public record MetricsConfig(Auth auth) {
  /** The one credential type so far: a bearer token (Prometheus' {@code authorization} setting). */
  public static final String BEARER = "bearer";

  public static MetricsConfig open() {
    return new MetricsConfig(null);
  }

  /**
   * @param type {@value #BEARER}
   * @param token the token scrapers send as {@code Authorization: Bearer TOKEN}
   */
  public record Auth(String type, String token) {}
}

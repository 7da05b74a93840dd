package dev.portcullis.config;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * The YAML reader of files an operator writes (the configuration, the policy file). YAML parsers
 * disagree about a key written twice in one mapping (the spec forbids it; Jackson keeps the last,
 * others the first or fail), and a reviewer reading the file top-down sees the first: a second
 * {@code when:} or {@code default:} further down would silently win. So a duplicate key is refused,
 * as the gateway refuses it in JSON bodies.
 */
public final class StrictYaml {
  private StrictYaml() {}

  /** A new mapper that refuses duplicate keys at any depth. */
  public static ObjectMapper mapper() {
    return new ObjectMapper(YAMLFactory.builder()
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build());
  }
}

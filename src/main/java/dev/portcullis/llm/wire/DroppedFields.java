package dev.portcullis.llm.wire;

import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the request fields a translation could not carry to the target wire format, and
 * warns about them once per request, so that nothing is dropped silently.
 */
public final class DroppedFields {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.translation");

  private final Set<String> fields = new LinkedHashSet<>();

  public void drop(String field) {
    fields.add(field);
  }

  public Set<String> fields() {
    return fields;
  }

  /** Logs one warning naming every dropped field, when there is any. */
  public void warn(String requestId, String from, String to) {
    if (!fields.isEmpty()) {
      LOG.warn("request {}: {} -> {} translation dropped unsupported fields {}", requestId, from, to, fields);
    }
  }
}

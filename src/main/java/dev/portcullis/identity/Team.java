package dev.portcullis.identity;

import java.util.Map;

/** A group of keys that may share one budget ({@code budgetNanos} per {@code budgetPeriod}). */
public record Team(String id, String name, Long budgetNanos, String budgetPeriod, Map<String, String> metadata,
    long createdAt) {
  public Team {
    metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
  }
}

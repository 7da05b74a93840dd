package dev.portcullis.limits;

/** Where usage records go (the store's batching writer). Must not block. */
@FunctionalInterface
public interface UsageSink {
  void record(UsageRecord record);
}

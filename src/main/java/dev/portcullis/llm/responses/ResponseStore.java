package dev.portcullis.llm.responses;

/** Where responses are kept (the gateway's store). Every method blocks: call from a worker thread. */
public interface ResponseStore {
  /** Keeps a response; an id already kept (for anyone) is left as it is. */
  void save(StoredResponse response);

  /** The response, or null when there is none of that id for this owner that is unexpired at {@code nowMs}. */
  StoredResponse find(String id, String owner, long nowMs);

  /** Deletes the owner's response; false when it had none of that id. */
  boolean delete(String id, String owner);

  /** Deletes every response expired at {@code nowMs}; how many. */
  int purgeExpired(long nowMs);
}

package dev.portcullis.store;

/** A store operation failed (the database refused or could not be reached). */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}

package dev.portcullis.limits;

/**
 * Runs every give-back step of a settlement or a cancelled admission even when an earlier one
 * throws, then reports the first failure (later ones suppressed in it). A slot or reservation
 * skipped because its neighbour failed would leak until a restart, locking out everyone who
 * shares it.
 */
final class Unwinding {
  private RuntimeException failure;

  void run(Runnable step) {
    try {
      step.run();
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
  }

  /** Throws the first failure of the steps run, if any. */
  void finish() {
    if (failure != null) {
      throw failure;
    }
  }
}

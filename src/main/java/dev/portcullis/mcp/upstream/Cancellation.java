package dev.portcullis.mcp.upstream;

/** Lets a caller cancel an upstream request it started; the request registers what to do. */
public final class Cancellation {
  private Runnable action;
  private boolean cancelled;

  public synchronized void onCancel(Runnable r) {
    if (cancelled) {
      r.run();
    } else {
      action = r;
    }
  }

  public void cancel() {
    Runnable r;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      r = action;
    }
    if (r != null) {
      r.run();
    }
  }
}

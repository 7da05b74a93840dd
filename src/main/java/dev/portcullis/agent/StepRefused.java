package dev.portcullis.agent;

/**
 * A model step answered with an error: its status and body, already in the surface's error shape
 * (the step went through that surface), so the client gets them as they are.
 */
public final class StepRefused extends RuntimeException {
  private final int status;
  private final String body;

  public StepRefused(int status, String body) {
    super("model step refused with HTTP " + status, null, false, false);
    this.status = status;
    this.body = body;
  }

  public int status() {
    return status;
  }

  public String body() {
    return body;
  }
}

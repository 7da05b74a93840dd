package dev.portcullis.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

/**
 * One call to the model in a tool loop, as a whole request of its own: the caller's surface
 * admits it (authentication, persona, guard, key limits and budget, audit) exactly as it admits a
 * client's request. Fails with a {@link StepRefused} when the gateway or the provider refused it.
 */
public interface ModelStep {
  /** Sends one request body in the loop's wire format; the answer's body. */
  Future<ObjectNode> call(ObjectNode request);

  /** Gives up the call in flight, if any (the loop ran out of time). */
  void cancel();
}

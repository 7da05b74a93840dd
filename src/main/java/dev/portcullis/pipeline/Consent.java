package dev.portcullis.pipeline;

import dev.portcullis.policy.Decision;
import io.vertx.core.Future;

/**
 * How a surface asks the user a caller acts for to approve a call that a rule holds for approval,
 * where its protocol can (MCP's elicitation, or an {@code input_required} answer the client
 * retries with). The approvals stage asks only when no administrator has decided the call yet.
 */
public interface Consent {
  /** The user's answer. */
  sealed interface Answer {}

  /** The user approved the call. */
  record Approved() implements Answer {}

  /** The user declined, or could not be asked; {@code why} says which, in words. */
  record Declined(String why) implements Answer {}

  /** The question goes to the client as the call's answer; the client sends the call again with the reply. */
  record Asked(Object reply) implements Answer {}

  /** This user cannot be asked: an administrator decides. */
  record Nobody() implements Answer {}

  /**
   * Asks the user, or says it cannot. Fails with {@link Refused} when the call itself is wrong
   * (a retry that does not belong to the question it claims to answer).
   */
  Future<Answer> ask(Call call, Decision decision);
}

package dev.portcullis.server;

import dev.portcullis.llm.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;

/**
 * Holds an LLM request until the token counter's vocabularies are read, without blocking its event
 * loop: the gateway starts reading them once it listens, so only requests of its first second or
 * so wait here, and every later count (TPM and budget reservations, usage an upstream does not
 * report) finds them read.
 */
final class VocabularyGate implements Handler<RoutingContext> {
  private final TokenCounter tokens;

  VocabularyGate(TokenCounter tokens) {
    this.tokens = tokens;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (tokens.loaded()) {
      ctx.next();
      return;
    }
    Future.fromCompletionStage(tokens.load(), ctx.vertx().getOrCreateContext()).onComplete(read -> {
      if (read.succeeded()) {
        ctx.next();
      } else {
        ctx.fail(read.cause()); // the surface's 500 error; nothing is counted without the vocabularies
      }
    });
  }
}

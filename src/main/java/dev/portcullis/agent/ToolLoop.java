package dev.portcullis.agent;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.McpConfig.ToolLoopConfig;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The tool loop the gateway runs for a model request that names MCP servers: offer their tools
 * to the model, run the calls it makes, feed the results back, until it answers without calling
 * one of them. Surface-neutral: the wire format is a {@link Dialect}, the model a
 * {@link ModelStep}, the tools a {@link Toolbox}.
 *
 * <p>Bounded by {@link ToolLoopConfig}: model calls, tool calls and wall time. A bound reached
 * fails the run with a {@link LoopError}; calls still in flight are cancelled. Tool calls run one
 * after another in the order the model gave them, so the audit trail and the policy's session
 * history read in the model's order.
 *
 * <p>A call the client wants to approve first ({@link Dialect#held}) ends the run like a call of
 * the client's own tools: the answer asks for the approval, and the request that answers it
 * starts a new run with the calls the client decided on ({@link Dialect#decided}).
 */
public final class ToolLoop {
  private final Vertx vertx;

  public ToolLoop(Vertx vertx) {
    this.vertx = vertx;
  }

  /** What a finished run produced. */
  public record Result(ObjectNode answer, List<ToolStep> steps, int iterations) {}

  /**
   * Runs one loop.
   *
   * @param request the client's request in the dialect's format (without the extension field and
   *     without {@code stream}: every step is asked as a whole answer)
   * @param toolbox the tools, once listed ({@link Toolbox#open}); the wall clock runs from this call,
   *     so a slow listing counts too
   * @param abandoned completes when the client has gone: the run stops and cancels what is in flight
   */
  public Future<Result> run(Dialect dialect, ObjectNode request, Future<Toolbox> toolbox, ModelStep model,
      ToolLoopConfig bounds, LoopListener listener, Future<Void> abandoned) {
    Run run = new Run(dialect, model, bounds, listener);
    abandoned.onComplete(v -> run.fail(new IllegalStateException("the client closed the connection")));
    return run.start(request, toolbox);
  }

  /** One run's state; touched only on the context it started on. */
  private final class Run {
    private final Dialect dialect;
    private Toolbox toolbox;
    private final ModelStep model;
    private final ToolLoopConfig bounds;
    private final LoopListener listener;
    private final Context context = vertx.getOrCreateContext();
    private final Promise<Result> done = Promise.promise();
    private final List<ObjectNode> responses = new ArrayList<>();
    private final List<ToolStep> steps = new ArrayList<>();
    private final Set<String> gatewayTools = new HashSet<>();
    private long timer = -1;

    Run(Dialect dialect, ModelStep model, ToolLoopConfig bounds, LoopListener listener) {
      this.dialect = dialect;
      this.model = model;
      this.bounds = bounds;
      this.listener = listener;
    }

    Future<Result> start(ObjectNode request, Future<Toolbox> listed) {
      timer = vertx.setTimer(bounds.maxWallMs(), t -> fail(new LoopError(LoopError.Kind.MAX_WALL_TIME,
          "The tool loop did not finish within mcp.tool_loop.max_wall_ms (" + bounds.maxWallMs() + " ms); "
          + steps.size() + " tool call(s) were made. Calls in flight were cancelled.")));
      done.future().onComplete(ar -> vertx.cancelTimer(timer));
      on(listed, box -> {
        toolbox = box;
        List<Toolbox.Tool> tools = box.tools();
        tools.forEach(t -> gatewayTools.add(t.name()));
        ObjectNode offered = dialect.offer(request, tools);
        listener.toolsListed(tools);
        List<Decided> decided = dialect.decided();
        if (decided.isEmpty()) {
          ask(offered);
        } else if (decided.size() > bounds.maxToolCalls()) {
          fail(new LoopError(LoopError.Kind.MAX_TOOL_CALLS, "The request answers " + decided.size()
              + " approval request(s); mcp.tool_loop.max_tool_calls allows " + bounds.maxToolCalls()
              + " tool call(s) in one request."));
        } else { // the calls the client decided on first, then the model is told how they went
          callAll(decided, 0, new ArrayList<>(), results -> ask(dialect.resumed(offered, results)));
        }
      });
      return done.future();
    }

    private void ask(ObjectNode request) {
      if (responses.size() >= bounds.maxIterations()) {
        fail(new LoopError(LoopError.Kind.MAX_ITERATIONS, "The model still called tools after "
            + responses.size() + " model call(s), the most mcp.tool_loop.max_iterations allows; "
            + steps.size() + " tool call(s) were made."));
        return;
      }
      on(model.call(request), response -> {
        responses.add(response);
        List<ToolUse> ours = dialect.toolUses(response).stream()
            .filter(u -> gatewayTools.contains(u.name())).toList();
        List<Decided> now = ours.stream().filter(u -> !dialect.held(u, toolbox.find(u.name())))
            .map(u -> new Decided(u, null)).toList();
        if (ours.isEmpty()) {
          done.tryComplete(new Result(dialect.answer(responses, steps, gatewayTools), List.copyOf(steps),
              responses.size()));
          return;
        }
        if (steps.size() + now.size() > bounds.maxToolCalls()) {
          fail(new LoopError(LoopError.Kind.MAX_TOOL_CALLS, "The model asked for " + now.size()
              + " more tool call(s) after " + steps.size() + "; mcp.tool_loop.max_tool_calls allows "
              + bounds.maxToolCalls() + " in one request."));
          return;
        }
        // the client runs its own tools, or approves some of ours first: the answer goes back to it now
        boolean clientTurn = dialect.toolUses(response).size() > ours.size() || now.size() < ours.size();
        callAll(now, 0, new ArrayList<>(), results -> {
          if (clientTurn) {
            done.tryComplete(new Result(dialect.answer(responses, steps, gatewayTools), List.copyOf(steps),
                responses.size()));
          } else {
            ask(dialect.next(request, response, results));
          }
        });
      });
    }

    private void callAll(List<Decided> uses, int i, List<ToolStep> results, Consumer<List<ToolStep>> then) {
      if (i == uses.size()) {
        then.accept(results);
        return;
      }
      ToolUse use = uses.get(i).use();
      listener.toolStarted(use, toolbox.find(use.name()));
      on(toolbox.call(use, uses.get(i).approval()), step -> {
        steps.add(step);
        results.add(step);
        listener.toolDone(step);
        callAll(uses, i + 1, results, then);
      });
    }

    /** Continues on the run's context once {@code f} is done, unless the run has ended meanwhile. */
    private <T> void on(Future<T> f, Consumer<T> next) {
      f.onComplete(ar -> context.runOnContext(v -> resume(ar, next)));
    }

    private <T> void resume(AsyncResult<T> ar, Consumer<T> next) {
      if (done.future().isComplete()) {
        return;
      }
      if (ar.failed()) {
        fail(ar.cause());
        return;
      }
      try {
        next.accept(ar.result());
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    private void fail(Throwable cause) {
      if (done.tryFail(cause)) {
        model.cancel();
        if (toolbox != null) {
          toolbox.cancel();
        }
      }
    }
  }
}

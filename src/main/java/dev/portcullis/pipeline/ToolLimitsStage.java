package dev.portcullis.pipeline;

import dev.portcullis.identity.Persona;
import dev.portcullis.limits.PersonaLimits;
import dev.portcullis.limits.Refusal;
import io.vertx.core.Future;

/**
 * A thin adapter to the limits package for tool calls: a {@code tools/call} that will go upstream
 * takes a request of its persona's RPM and one of its parallel slots ({@link PersonaLimits}), and
 * gives the slot back when it finishes, whatever the outcome. The rules live in limits/.
 */
public final class ToolLimitsStage implements Stage {
  /** The MCP method whose calls count (reads and prompt gets do not, as before the pipeline). */
  static final String TOOLS_CALL = "tools/call";

  private final PersonaLimits personas;

  public ToolLimitsStage(PersonaLimits personas) {
    this.personas = personas;
  }

  @Override
  public String name() {
    return "tool-limits";
  }

  @Override
  public Future<Void> admit(Call call) {
    Persona p = call.persona();
    if (p == null || !TOOLS_CALL.equals(call.action())) {
      return Future.succeededFuture();
    }
    Refusal r = personas.enterCall(p);
    if (r != null) {
      return Future.failedFuture(Refused.limit(r));
    }
    call.holdSlot(p);
    return Future.succeededFuture();
  }

  @Override
  public void finish(Call call, Outcome outcome) {
    Persona p = call.releaseSlot();
    if (p != null) {
      personas.exitCall(p);
    }
  }
}

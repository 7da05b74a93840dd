package dev.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShutdownTest {
  @Test
  void stopsWhatNeedsTheEventLoopsFirstThenTheRestEachInReverseOrderOfBuilding() throws Exception {
    Vertx vertx = Vertx.vertx();
    List<String> stopped = new ArrayList<>();
    Shutdown shutdown = new Shutdown(vertx);
    shutdown.beforeListeners("cluster", () -> stopped.add("cluster"));
    shutdown.afterListeners("store", () -> stopped.add("store:" + loopsRunning(vertx)));
    shutdown.afterListeners("audit", () -> stopped.add("audit:" + loopsRunning(vertx)));
    shutdown.beforeListeners("mcp", () -> stopped.add("mcp:" + loopsRunning(vertx)));

    shutdown.run();

    assertThat(stopped).containsExactly("mcp:true", "cluster", "audit:false", "store:false");
  }

  @Test
  void aFailingStepDoesNotKeepTheOthersRunningAndIsThrownAtTheEnd() {
    Vertx vertx = Vertx.vertx();
    List<String> stopped = new ArrayList<>();
    Shutdown shutdown = new Shutdown(vertx);
    shutdown.afterListeners("store", () -> stopped.add("store"));
    shutdown.beforeListeners("watch", () -> {
      throw new IllegalStateException("watch would not stop");
    });
    shutdown.beforeListeners("mcp", () -> stopped.add("mcp"));

    assertThatThrownBy(shutdown::run).hasMessage("watch would not stop");
    assertThat(stopped).containsExactly("mcp", "store");
  }

  /** Whether the event loops still take work (a timer can be set only while they run). */
  private static boolean loopsRunning(Vertx vertx) {
    try {
      vertx.cancelTimer(vertx.setTimer(60_000, t -> { }));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}

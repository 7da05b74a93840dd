package dev.portcullis.app;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.ConfigChanges;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.ReloadScope;
import dev.portcullis.mcp.McpGateway;
import dev.portcullis.server.Snapshot;
import dev.portcullis.telemetry.GatewayMetrics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file into the running gateway: reads and validates it with the
 * start-up loader, builds a complete new {@link Snapshot} beside the one in force, puts the new
 * prices, persona limits and upstream credentials in force for calls admitted from then on, brings
 * the MCP upstreams in line (only those whose configuration changed), then swaps the snapshot in
 * one step. Anything invalid rejects the whole file and the configuration in force stays. Blocking
 * (file, policy compilation): call it off the event loops. One reload at a time.
 */
public final class ConfigReloader {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);
  public static final String APPLIED = "applied";
  public static final String REJECTED = "rejected";
  /** The trigger of a reload another replica asked for (it is not announced again). */
  public static final String CLUSTER = "cluster";

  /** Builds the reloadable parts from a configuration (the same factory as at start-up). */
  public interface SnapshotBuilder {
    Snapshot build(GatewayConfig config) throws ConfigException;
  }

  /**
   * The outcome of one reload.
   *
   * @param result {@link #APPLIED} or {@link #REJECTED}
   * @param trigger what asked for it: {@code signal}, {@code watch} or {@code admin}
   * @param changes what changed ("models: added gpt-x"); empty when rejected or nothing changed
   * @param needsRestart changes not applied because they need a restart
   * @param reason why it was rejected (every problem with file and field), null when applied
   */
  public record Outcome(String result, Instant at, String trigger, List<String> changes, List<String> needsRestart,
      String reason) {
    public ObjectNode toJson() {
      ObjectNode o = JsonNodeFactory.instance.objectNode();
      o.put("result", result);
      o.put("at", at.toString());
      o.put("trigger", trigger);
      changes.forEach(o.putArray("changes")::add);
      needsRestart.forEach(o.putArray("needs_restart")::add);
      o.put("reason", reason);
      return o;
    }
  }

  private final Path file;
  private final ConfigLoader loader;
  private final AtomicReference<Snapshot> current;
  private final SnapshotBuilder builder;
  private final McpGateway mcp;
  private final Consumer<Snapshot> applyLive;
  private final GatewayMetrics metrics;
  private final boolean demoRunning;
  private final boolean counting;
  private final dev.portcullis.cluster.Cluster cluster;
  private volatile Outcome last;
  /** The SHA-256 of the file's content last read (at start-up or by a reload). */
  private byte[] seen;

  /**
   * @param file the configuration file the gateway started from
   * @param current the snapshot request handling reads; swapped here
   * @param mcp the MCP gateway, or null when it was started without servers (the snapshot
   *     carries the MCP surface's governance: swapping it puts that in force too)
   * @param applyLive puts a snapshot's prices, persona limits and upstream credentials in force
   *     (the parts that live outside the snapshot); runs before the MCP upstreams are reconciled
   * @param counting whether requests are counted against limits (see {@link ReloadScope#of})
   */
  ConfigReloader(Path file, ConfigLoader loader, AtomicReference<Snapshot> current, SnapshotBuilder builder,
      McpGateway mcp, Consumer<Snapshot> applyLive, GatewayMetrics metrics,
      boolean demoRunning, boolean counting, dev.portcullis.cluster.Cluster cluster) {
    this.cluster = cluster;
    this.file = Objects.requireNonNull(file, "file");
    this.loader = loader;
    this.current = current;
    this.builder = builder;
    this.mcp = mcp;
    this.applyLive = applyLive;
    this.metrics = metrics;
    this.demoRunning = demoRunning;
    this.counting = counting;
    this.seen = digest(file);
  }

  /** The file reloads read. */
  public Path file() {
    return file;
  }

  /** The last reload's outcome, or null when there was none yet. */
  public Outcome last() {
    return last;
  }

  /**
   * Reloads when the file's content differs from the content last read (a file watch: an event
   * in the directory, or a write of what is already in force, changes nothing).
   *
   * @return the outcome, or null when the content is unchanged (or the file is missing mid-swap)
   */
  public synchronized Outcome reloadIfChanged(String trigger) {
    byte[] now = digest(file);
    return now == null || java.util.Arrays.equals(now, seen) ? null : reload(trigger);
  }

  /** Reads, validates and applies the file; never throws (a failure is a rejected outcome). */
  public synchronized Outcome reload(String trigger) {
    seen = digest(file);
    Snapshot running = current.get();
    Outcome outcome;
    try {
      GatewayConfig next = loader.load(file);
      ReloadScope scope = ReloadScope.of(running.config(), next, demoRunning, counting);
      if (!scope.refused().isEmpty()) {
        outcome = rejected(trigger, String.join("; ", scope.refused().stream().map(r -> file + ": " + r).toList()));
      } else {
        Snapshot fresh = builder.build(scope.applied());
        List<String> changes = ConfigChanges.between(running.config(), scope.applied());
        applyLive.accept(fresh);
        if (mcp != null) {
          McpGateway.Changes m = mcp.reconcile(scope.applied().mcp());
          m.added().forEach(k -> changes.add("mcp.servers: started " + k));
          m.restarted().forEach(k -> changes.add("mcp.servers: restarted " + k));
          m.removed().forEach(k -> changes.add("mcp.servers: removed " + k));
        }
        current.set(fresh);
        running.retire().run();
        outcome = new Outcome(APPLIED, Instant.now(), trigger, List.copyOf(changes), scope.kept(), null);
      }
    } catch (ConfigException e) {
      outcome = rejected(trigger, e.getMessage().replace("\n", " "));
    } catch (RuntimeException e) { // a component refusing its settings: the same answer as an invalid file
      outcome = rejected(trigger, file + ": " + e.getMessage());
    }
    record(outcome);
    if (APPLIED.equals(outcome.result()) && !CLUSTER.equals(trigger)) {
      cluster.publish(dev.portcullis.cluster.ChangeEvent.Kind.CONFIG); // the other replicas reload too
    }
    return outcome;
  }

  /** The content's SHA-256, or null while the file cannot be read. */
  private static byte[] digest(Path file) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(java.nio.file.Files.readAllBytes(file));
    } catch (java.io.IOException e) {
      return null;
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Outcome rejected(String trigger, String reason) {
    return new Outcome(REJECTED, Instant.now(), trigger, List.of(), List.of(), reason);
  }

  private void record(Outcome o) {
    last = o;
    metrics.configReload(o.result());
    if (APPLIED.equals(o.result())) {
      LOG.atInfo().addKeyValue("trigger", o.trigger()).addKeyValue("config", file.toString())
          .log("config reloaded: " + (o.changes().isEmpty() ? "no changes" : String.join(", ", o.changes()))
              + (o.needsRestart().isEmpty() ? "" : "; " + String.join("; ", o.needsRestart())));
    } else {
      LOG.atWarn().addKeyValue("trigger", o.trigger()).addKeyValue("config", file.toString())
          .log("config reload rejected: " + o.reason() + " (configuration in force kept)");
    }
  }
}

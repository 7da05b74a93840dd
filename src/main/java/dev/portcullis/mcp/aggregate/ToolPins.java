package dev.portcullis.mcp.aggregate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.mcp.protocol.JsonRpc;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tool pinning (against "rug pulls": a server that changes what a tool says or does after it was
 * trusted). Each tool's definition — name, description, input and output schemas, annotations —
 * is fingerprinted when first seen and that fingerprint approved; a later, different definition
 * is withheld from clients (or only flagged, per {@code mcp.pinning}) until an admin approves it.
 * Pins live in memory, written through to a {@link PinStore} off the event loop.
 */
public final class ToolPins {
  private static final Logger LOG = LoggerFactory.getLogger(ToolPins.class);
  public static final String FLAG_PREFIX = "[UNAPPROVED CHANGE - pending admin review] ";

  /** What happens to a tool whose definition changed. */
  public enum Mode { WITHHOLD, FLAG, OFF }

  /**
   * One tool's pin: the approved fingerprint and definition, and a changed one waiting for review
   * or, when {@code rejected}, reviewed and refused (withheld while the server offers it).
   */
  public record Pin(String server, String tool, String approved, JsonNode approvedDefinition, String pending,
      JsonNode pendingDefinition, long updatedAt, boolean rejected) {
    /** A pin whose change (if any) has not been reviewed. */
    public Pin(String server, String tool, String approved, JsonNode approvedDefinition, String pending,
        JsonNode pendingDefinition, long updatedAt) {
      this(server, tool, approved, approvedDefinition, pending, pendingDefinition, updatedAt, false);
    }
  }

  /** Where pins are kept between runs. Methods block; they are called off the event loop. */
  public interface PinStore {
    List<Pin> load();

    void save(Pin pin);
  }

  private final Mode mode;
  private final PinStore store;
  private final Map<String, Pin> pins = new ConcurrentHashMap<>();
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "mcp-tool-pins");
    t.setDaemon(true);
    return t;
  });
  private volatile Consumer<String> approved = s -> { };

  public ToolPins(Mode mode, PinStore store) {
    this.mode = mode;
    this.store = store;
    if (store != null && mode != Mode.OFF) {
      for (Pin p : store.load()) {
        pins.put(key(p.server(), p.tool()), p);
      }
    }
  }

  public static Mode mode(String configured) {
    return configured == null ? Mode.WITHHOLD : Mode.valueOf(configured.trim().toUpperCase(java.util.Locale.ROOT));
  }

  public Mode mode() {
    return mode;
  }

  /** Called with the server key after an admin approves or rejects a change of one of its tools. */
  public void onApproved(Consumer<String> listener) {
    this.approved = listener;
  }

  private static String key(String server, String tool) {
    return server + "\u0000" + tool;
  }

  /** The tools of one server as clients may see them: unchanged or approved, flagged, or withheld. */
  public List<ObjectNode> review(String server, List<ObjectNode> tools) {
    if (mode == Mode.OFF) {
      return tools;
    }
    List<ObjectNode> out = new ArrayList<>(tools.size());
    for (ObjectNode tool : tools) {
      String name = tool.path("name").asText();
      String fp = fingerprint(tool);
      String k = key(server, name);
      Pin pin = pins.get(k);
      if (pin == null || pin.approved() == null) {
        put(new Pin(server, name, fp, definition(tool), null, null, System.currentTimeMillis()));
        out.add(tool);
      } else if (fp.equals(pin.approved())) {
        if (pin.pending() != null) { // the server went back to what was approved
          put(new Pin(server, name, fp, pin.approvedDefinition(), null, null, System.currentTimeMillis()));
        }
        out.add(tool);
      } else {
        boolean rejected = fp.equals(pin.pending()) && pin.rejected();
        if (!fp.equals(pin.pending())) {
          put(new Pin(server, name, pin.approved(), pin.approvedDefinition(), fp, definition(tool),
              System.currentTimeMillis()));
          LOG.atWarn().addKeyValue("upstream", server).addKeyValue("tool", name).addKeyValue("mode", mode)
              .log("MCP tool definition changed since it was approved; waiting for an admin");
        }
        if (mode == Mode.FLAG && !rejected) { // a rejected change is withheld in every mode
          ObjectNode flagged = tool.deepCopy();
          flagged.put("description", FLAG_PREFIX + tool.path("description").asText(""));
          out.add(flagged);
        }
      }
    }
    return out;
  }

  /** Tools whose changed definition waits for approval, or was rejected and stays withheld. */
  public List<Pin> pending() {
    List<Pin> out = new ArrayList<>();
    for (Pin p : pins.values()) {
      if (p.pending() != null) {
        out.add(p);
      }
    }
    out.sort(java.util.Comparator.comparing(Pin::server).thenComparing(Pin::tool));
    return out;
  }

  /** Approves the pending definition of a tool; false when there is none. */
  public boolean approve(String server, String tool) {
    Pin p = pins.get(key(server, tool));
    if (p == null || p.pending() == null) {
      return false;
    }
    put(new Pin(server, tool, p.pending(), p.pendingDefinition(), null, null, System.currentTimeMillis()));
    approved.accept(server);
    return true;
  }

  /**
   * Rejects the changed definition with this fingerprint: the approved one stays, and the tool is
   * withheld from clients (in flag mode too) while the server offers the rejected one. A later,
   * different change waits for review again. False when that change is not the one waiting.
   */
  public boolean reject(String server, String tool, String fingerprint) {
    Pin p = pins.get(key(server, tool));
    if (p == null || p.pending() == null || !p.pending().equals(fingerprint)) {
      return false;
    }
    put(new Pin(server, tool, p.approved(), p.approvedDefinition(), p.pending(), p.pendingDefinition(),
        System.currentTimeMillis(), true));
    LOG.atWarn().addKeyValue("upstream", server).addKeyValue("tool", tool)
        .log("MCP tool definition change rejected by an admin; the tool stays withheld");
    approved.accept(server); // in flag mode clients saw it flagged: their lists change
    return true;
  }

  private void put(Pin p) {
    pins.put(key(p.server(), p.tool()), p);
    if (store != null) {
      writer.execute(() -> {
        try {
          store.save(p);
        } catch (RuntimeException e) {
          LOG.atError().setCause(e).addKeyValue("tool", p.tool()).log("cannot save an MCP tool pin");
        }
      });
    }
  }

  /** The parts of a definition that are pinned. */
  static ObjectNode definition(JsonNode tool) {
    ObjectNode d = JsonRpc.F.objectNode();
    for (String f : new String[] {"name", "title", "description", "inputSchema", "outputSchema", "annotations"}) {
      if (tool.has(f)) {
        d.set(f, tool.get(f));
      }
    }
    return d;
  }

  /** SHA-256 over the canonical JSON (keys sorted) of the pinned parts. */
  public static String fingerprint(JsonNode tool) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(canonical(definition(tool)).toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode canonical(JsonNode n) {
    if (n.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      n.fields().forEachRemaining(f -> sorted.put(f.getKey(), canonical(f.getValue())));
      ObjectNode o = JsonRpc.F.objectNode();
      sorted.forEach(o::set);
      return o;
    }
    if (n.isArray()) {
      ArrayNode a = JsonRpc.F.arrayNode();
      n.forEach(x -> a.add(canonical(x)));
      return a;
    }
    return n;
  }

  /**
   * Re-reads the pins from the store (another replica approved a tool): the keys of the servers
   * whose approved definitions changed. Blocking.
   */
  public java.util.Set<String> reload() {
    if (store == null || mode == Mode.OFF) {
      return java.util.Set.of();
    }
    java.util.Set<String> changed = new java.util.HashSet<>();
    for (Pin p : store.load()) {
      Pin before = pins.put(key(p.server(), p.tool()), p);
      if (before == null || !java.util.Objects.equals(before.approved(), p.approved())) {
        changed.add(p.server());
      }
    }
    return changed;
  }

  /** Runs {@code then} once the writes queued so far have reached the store. */
  public void afterWrites(Runnable then) {
    writer.execute(then);
  }

  /** Waits for pending writes (tests, shutdown). */
  public void flush() {
    try {
      writer.submit(() -> { }).get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort
    }
  }
}

package dev.portcullis.mcp.aggregate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Tool pins in a JSON file (when no database store is configured); rewritten atomically. */
public final class FilePinStore implements ToolPins.PinStore {
  private final Path file;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, ToolPins.Pin> all = new TreeMap<>();

  public FilePinStore(Path file) {
    this.file = file;
  }

  @Override
  public synchronized List<ToolPins.Pin> load() {
    all.clear();
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      for (JsonNode p : json.readTree(file.toFile()).path("pins")) {
        ToolPins.Pin pin = new ToolPins.Pin(p.path("server").asText(), p.path("tool").asText(),
            p.path("approved").asText(null), p.get("approved_definition"), p.path("pending").asText(null),
            p.get("pending_definition"), p.path("updated_at").asLong(), p.path("rejected").asBoolean(false));
        all.put(pin.server() + "\u0000" + pin.tool(), pin);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the MCP tool pins file " + file, e);
    }
    return new ArrayList<>(all.values());
  }

  @Override
  public synchronized void save(ToolPins.Pin pin) {
    all.put(pin.server() + "\u0000" + pin.tool(), pin);
    ObjectNode root = json.createObjectNode();
    ArrayNode pins = root.putArray("pins");
    for (ToolPins.Pin p : all.values()) {
      ObjectNode o = pins.addObject().put("server", p.server()).put("tool", p.tool()).put("approved", p.approved());
      o.set("approved_definition", p.approvedDefinition());
      o.put("pending", p.pending());
      o.set("pending_definition", p.pendingDefinition());
      o.put("updated_at", p.updatedAt());
      if (p.rejected()) {
        o.put("rejected", true);
      }
    }
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the MCP tool pins file " + file, e);
    }
  }
}

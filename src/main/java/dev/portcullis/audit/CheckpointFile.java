package dev.portcullis.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the checkpoints out of an exported audit file: JSON lines as the file sink writes them,
 * or syslog messages as a collector stores them (the JSON after the header). Event lines are
 * skipped; every {@code "type":"checkpoint"} object becomes an anchor.
 */
public final class CheckpointFile {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CheckpointFile() {}

  /** @throws IllegalArgumentException naming file and line when a line is not JSON */
  public static List<ChainVerifier.Anchor> read(Path file) throws IOException {
    List<ChainVerifier.Anchor> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        int start = line.indexOf('{');
        if (start < 0) {
          continue;
        }
        JsonNode o;
        try {
          o = JSON.readTree(line.substring(start));
        } catch (JsonProcessingException e) {
          throw new IllegalArgumentException(file + ":" + n + ": not a JSON object: " + e.getOriginalMessage());
        }
        if (Checkpoint.TYPE.equals(o.path("type").asText())) {
          out.add(new ChainVerifier.Anchor(file.getFileName() + ":" + n, o.path("jws").asText()));
        }
      }
    }
    return out;
  }
}

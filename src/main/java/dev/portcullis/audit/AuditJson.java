package dev.portcullis.audit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Audit events and checkpoints as JSON (snake_case, nulls left out): the admin API and the export
 * sinks use this. A checkpoint carries {@code "type":"checkpoint"}; events carry no type.
 */
public final class AuditJson {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private AuditJson() {}

  public static ObjectNode tree(AuditRecord r) {
    if (r instanceof Checkpoint cp) {
      return JSON.createObjectNode().put("type", Checkpoint.TYPE).put("seq", cp.seq()).put("hash", cp.hash())
          .put("count", cp.count()).put("ts", cp.ts()).put("kid", cp.kid()).put("jws", cp.jws());
    }
    return JSON.valueToTree(r);
  }

  /** A verification's outcome, as {@code audit verify --json} and the admin API show it. */
  public static ObjectNode report(ChainVerifier.Report r) {
    ObjectNode o = JSON.createObjectNode().put("ok", r.ok()).put("events", r.events())
        .put("intact_to", r.intactTo()).put("unkeyed_events", r.unkeyed());
    if (r.problem() != null) {
      o.put("broken_at", r.brokenAt()).put("problem", r.problem());
    }
    ObjectNode cps = o.putObject("checkpoints").put("checked", r.checkpoints())
        .put("latest_seq", r.latestCheckpoint());
    r.anchorProblems().forEach(cps.putArray("problems")::add);
    return o;
  }

  public static String line(AuditRecord r) {
    if (r instanceof Checkpoint) {
      return tree(r).toString();
    }
    try {
      return JSON.writeValueAsString(r);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException(ex);
    }
  }
}

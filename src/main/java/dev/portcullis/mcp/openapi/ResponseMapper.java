package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Maps an HTTP response to an MCP tool result: JSON as structured content (objects as they are,
 * anything else as {@code {"result": ...}}) plus its text; text as text; images as image content;
 * other bytes described, not dumped. A status outside 2xx is a tool error naming the status with
 * the start of the body, and a body cut at the size cap says so.
 */
public final class ResponseMapper {
  static final int ERROR_BODY_CHARS = 500;
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private final ObjectMapper json;

  public ResponseMapper(ObjectMapper json) {
    this.json = json;
  }

  public ObjectNode map(OperationTool op, HttpExecutor.Response r, long maxBytes) {
    String type = r.header("content-type");
    String media = type == null ? "" : type.toLowerCase(Locale.ROOT).split(";")[0].trim();
    String text = utf8(r.body());
    if (r.status() / 100 != 2) {
      String shortBody = text == null ? "(" + r.body().length + " bytes of " + media + ")" : oneLine(text);
      return error("HTTP " + r.status() + (r.reason() == null || r.reason().isEmpty() ? "" : " " + r.reason())
          + (shortBody.isEmpty() ? "" : ": " + shortBody));
    }
    if (r.truncated()) {
      ObjectNode res = F.objectNode();
      String note = "[response cut at max_response_bytes = " + maxBytes + " bytes]";
      boolean textual = media.startsWith("text/") || ToolMapper.isJson(media) || media.endsWith("xml");
      String shown = text != null ? text : textual ? new String(r.body(), StandardCharsets.UTF_8)
          : "(binary " + media + ")"; // a cut may split the last character
      res.putArray("content").addObject().put("type", "text").put("text", shown + "\n" + note);
      res.put("isError", true); // a cut JSON document cannot be given as structured content
      return res;
    }
    if (r.body().length == 0) {
      ObjectNode res = text("HTTP " + r.status() + " (no content)");
      if (op.definition().has("outputSchema")) {
        res.putObject("structuredContent");
      }
      return res;
    }
    if (ToolMapper.isJson(media) || media.isEmpty() && text != null && looksJson(text)) {
      try {
        JsonNode value = json.readTree(r.body());
        ObjectNode res = text(text);
        if (value.isObject() && !op.wrapsOutput()) {
          res.set("structuredContent", value);
        } else {
          res.putObject("structuredContent").set("result", value);
        }
        return res;
      } catch (java.io.IOException e) {
        // not JSON after all: returned as text below
      }
    }
    if (media.startsWith("image/")) {
      ObjectNode res = F.objectNode();
      res.putArray("content").addObject().put("type", "image").put("mimeType", media)
          .put("data", Base64.getEncoder().encodeToString(r.body()));
      return res;
    }
    ObjectNode res = text == null
        ? text("(" + r.body().length + " bytes of " + (media.isEmpty() ? "binary data" : media) + ")") : text(text);
    if (op.definition().has("outputSchema")) {
      // the API answered other than it documented; clients require structured content when a
      // tool has an output schema, and the (lenient) schema accepts this
      ObjectNode sc = res.putObject("structuredContent");
      if (text != null && op.wrapsOutput()
          && "string".equals(op.definition().at("/outputSchema/properties/result/type").asText())) {
        sc.put("result", text);
      }
    }
    return res;
  }

  public static ObjectNode error(String message) {
    ObjectNode res = text(message);
    res.put("isError", true);
    return res;
  }

  static ObjectNode text(String t) {
    ObjectNode res = F.objectNode();
    res.putArray("content").addObject().put("type", "text").put("text", t);
    return res;
  }

  private static boolean looksJson(String t) {
    String s = t.strip();
    return s.startsWith("{") || s.startsWith("[");
  }

  private static String oneLine(String t) {
    String s = t.strip().replaceAll("\\s+", " ");
    return s.length() > ERROR_BODY_CHARS ? s.substring(0, ERROR_BODY_CHARS) + "…" : s;
  }

  /** The body as UTF-8 text, or null when it is not text. */
  static String utf8(byte[] b) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
      return s.indexOf('\u0000') >= 0 ? null : s;
    } catch (CharacterCodingException e) {
      // a body cut in the middle of a character: decode leniently
      return null;
    }
  }
}

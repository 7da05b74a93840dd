package dev.portcullis.llm;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;

/**
 * Reads what an upstream answered as the JSON object its protocol promises, strictly: one
 * object, nothing after it, no key twice (the guard and the client's parser would otherwise read
 * different values of it). Anything else throws {@link InvalidUpstreamResponseException}.
 */
public final class UpstreamJson {
  private static final int QUOTE = 80;

  private final ObjectReader reader;

  public UpstreamJson(ObjectMapper json) {
    this.reader = json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  /** A complete response body as an object. */
  public ObjectNode object(Buffer body, String what) {
    return object(body.getBytes(), body.length(), what);
  }

  /**
   * The {@code usage} member of a complete response body (null when absent or JSON null), read
   * as strictly as {@link #object(Buffer, String)} reads the whole, and checking that the body has
   * the array {@code required}, but without building the rest: a proxy that only needs the usage
   * of an answer it relays as received should not pay for a tree of it. Anything unexpected is
   * read again as a tree, for {@link #object(Buffer, String)} and {@link #requireArray} to throw
   * their errors.
   */
  public JsonNode usage(Buffer body, String required, String what) {
    byte[] bytes = body.getBytes();
    JsonNode usage = streamedUsage(bytes, required);
    if (!usage.isMissingNode()) {
      return usage.isNull() ? null : usage;
    }
    ObjectNode tree = object(bytes, body.length(), what);
    requireArray(tree, required, what);
    JsonNode u = tree.get("usage");
    return u == null || u.isNull() ? null : u;
  }

  /**
   * The body's {@code usage} read by a streaming parser: JSON null when absent or null, a
   * {@link MissingNode} when the body is not the promised object (or lacks {@code required}).
   * Keys are checked for duplicates by {@link UniqueKeyReader}, cheaper than the parser's check.
   */
  JsonNode streamedUsage(byte[] bytes, String required) {
    JsonNode usage = NullNode.getInstance();
    boolean hasRequired = false;
    UniqueKeyReader values = new UniqueKeyReader();
    UniqueKeyReader.Keys keys = values.enter();
    try (JsonParser p = reader.getFactory().createParser(bytes)) {
      p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      boolean wellFormed = p.nextToken() == JsonToken.START_OBJECT;
      JsonToken t = wellFormed ? p.nextToken() : null;
      while (t == JsonToken.FIELD_NAME) {
        keys.add(p);
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("usage")) {
          usage = values.value(p);
        } else {
          hasRequired |= name.equals(required) && value == JsonToken.START_ARRAY;
          values.skip(p); // still read: a key twice anywhere fails here too
        }
        t = p.nextToken();
      }
      if (wellFormed && t == JsonToken.END_OBJECT && p.nextToken() == null && hasRequired) {
        return usage;
      }
    } catch (IOException e) {
      // not what was promised: the caller reads it again as a tree, to say why
    }
    return MissingNode.getInstance();
  }

  /** One stream event's payload as an object. */
  public ObjectNode object(String payload, String what) {
    JsonNode tree;
    try {
      tree = reader.readTree(payload);
    } catch (IOException e) {
      throw new InvalidUpstreamResponseException(what + " is not JSON: " + quote(payload));
    }
    return asObject(tree, what);
  }

  private ObjectNode object(byte[] bytes, int length, String what) {
    if (length == 0) {
      throw new InvalidUpstreamResponseException(what + " is empty");
    }
    JsonNode tree;
    try {
      tree = reader.readTree(bytes);
    } catch (IOException e) {
      throw new InvalidUpstreamResponseException(what + " is not JSON (" + length + " bytes): "
          + quote(new String(bytes, 0, Math.min(length, QUOTE), java.nio.charset.StandardCharsets.UTF_8)));
    }
    return asObject(tree, what);
  }

  private static ObjectNode asObject(JsonNode tree, String what) {
    if (tree instanceof ObjectNode o) {
      return o;
    }
    throw new InvalidUpstreamResponseException(what + " is JSON but not an object: "
        + (tree == null || tree.isMissingNode() ? "nothing" : tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
  }

  /** The array {@code field} of {@code o}, which the translator cannot do without. */
  public static JsonNode requireArray(ObjectNode o, String field, String what) {
    JsonNode v = o.get(field);
    if (v == null || !v.isArray()) {
      throw new InvalidUpstreamResponseException(what + " has no '" + field + "' array" + errorHint(o));
    }
    return v;
  }

  /** The object {@code field} of {@code o}, which the translator cannot do without. */
  public static JsonNode requireObject(ObjectNode o, String field, String what) {
    JsonNode v = o.get(field);
    if (v == null || !v.isObject()) {
      throw new InvalidUpstreamResponseException(what + " has no '" + field + "' object" + errorHint(o));
    }
    return v;
  }

  /** Some servers answer 200 with an error object; its message belongs in the log line. */
  private static String errorHint(ObjectNode o) {
    JsonNode error = o.get("error");
    if (error == null) {
      return "";
    }
    JsonNode message = error.isObject() ? error.path("message") : error;
    return "; it carries an error: " + quote(message.isTextual() ? message.textValue() : error.toString());
  }

  private static String quote(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    return line.length() > QUOTE ? line.substring(0, QUOTE) + "..." : line;
  }
}

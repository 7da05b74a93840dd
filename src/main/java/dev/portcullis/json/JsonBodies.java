package dev.portcullis.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/**
 * The one parser of client request bodies, built once and shared by every surface (LLM routes,
 * MCP, admin, OAuth registration). Each body is parsed once, at the edge, and every later layer
 * reads that tree. It refuses what different JSON parsers read differently, so that the tree the
 * gateway checked and the bytes an upstream reads say the same thing:
 * <ul>
 *   <li>a key twice in one object, at any depth (some parsers keep the first, others the last);
 *   <li>anything after the JSON value (some parsers stop at the first value, others fail);
 *   <li>bytes that are not well-formed UTF-8 (decoded leniently by some, replaced by others).
 * </ul>
 * Its depth limit is {@code server.max_json_depth}; the size limit is the HTTP body limit.
 */
public final class JsonBodies {
  private static final int MAX_KEY_IN_MESSAGE = 64;

  private final ObjectMapper mapper;

  public JsonBodies(int maxDepth) {
    this.mapper = new ObjectMapper(JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build());
  }

  /** Why a body was refused; each surface maps it to its own error shape. */
  public enum Reason { EMPTY, NOT_UTF8, SYNTAX, DUPLICATE_KEY, TRAILING_DATA, TOO_DEEP, TOO_LONG, NOT_OBJECT }

  /** A refused body; the message is written for the client and holds no library internals. */
  public static final class Rejected extends Exception {
    private final Reason reason;

    Rejected(Reason reason, String message) {
      super(message, null, false, false);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  /** The body as one JSON value (object, array or scalar). */
  public JsonNode parse(byte[] body) throws Rejected {
    if (body == null || body.length == 0) {
      throw new Rejected(Reason.EMPTY, "The request body is empty; send a JSON object.");
    }
    int bad = Utf8.firstInvalid(body);
    if (bad >= 0) {
      throw new Rejected(Reason.NOT_UTF8, "The request body is not UTF-8 encoded JSON (byte " + bad + ").");
    }
    try (JsonParser parser = mapper.createParser(body)) {
      JsonNode tree = value(parser);
      if (tree == null || tree.isMissingNode()) {
        throw new Rejected(Reason.EMPTY, "The request body is empty; send a JSON object.");
      }
      end(parser);
      return tree;
    } catch (IOException e) {
      throw new Rejected(Reason.SYNTAX, "We could not read the body of your request.");
    }
  }

  /** The body, which must be a JSON object. */
  public ObjectNode object(byte[] body) throws Rejected {
    if (parse(body) instanceof ObjectNode o) {
      return o;
    }
    throw new Rejected(Reason.NOT_OBJECT, "The request body must be a JSON object.");
  }

  private JsonNode value(JsonParser parser) throws Rejected, IOException {
    try {
      return mapper.readTree(parser);
    } catch (StreamConstraintsException e) {
      throw limit(e);
    } catch (JsonParseException e) {
      String m = String.valueOf(e.getOriginalMessage());
      if (m.startsWith("Duplicate field '") && m.endsWith("'")) { // STRICT_DUPLICATE_DETECTION's words
        String key = m.substring("Duplicate field '".length(), m.length() - 1);
        throw new Rejected(Reason.DUPLICATE_KEY, "The JSON body has the key '" + shortened(key)
            + "' more than once in one object; send each key once.");
      }
      throw syntax(e);
    } catch (JsonProcessingException e) {
      throw syntax(e);
    }
  }

  /** Only whitespace may follow the value. */
  private static void end(JsonParser parser) throws Rejected, IOException {
    boolean more;
    try {
      more = parser.nextToken() != null;
    } catch (JsonProcessingException e) {
      more = true; // not even a token: still data after the value
    }
    if (more) {
      throw new Rejected(Reason.TRAILING_DATA,
          "The request body has data after the JSON value; send exactly one JSON value.");
    }
  }

  private static Rejected syntax(JsonProcessingException e) {
    return new Rejected(Reason.SYNTAX, "We could not parse the JSON body of your request: " + e.getOriginalMessage());
  }

  private static Rejected limit(StreamConstraintsException e) {
    String m = String.valueOf(e.getOriginalMessage()).toLowerCase(Locale.ROOT);
    if (m.contains("nesting depth")) {
      return new Rejected(Reason.TOO_DEEP,
          "The JSON body is nested deeper than the gateway allows (server.max_json_depth).");
    }
    return new Rejected(Reason.TOO_LONG,
        "The JSON body exceeds a size limit of the gateway (a string, number or name is too long).");
  }

  private static String shortened(String key) {
    return key.length() <= MAX_KEY_IN_MESSAGE ? key : key.substring(0, MAX_KEY_IN_MESSAGE) + "...";
  }
}

package dev.portcullis.llm;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * Skips or builds one JSON value from a parser, failing on a key that appears twice in an object,
 * for {@link UpstreamJson#streamedUsage}, on every relayed answer. Jackson's own duplicate check
 * fills a fresh HashSet for every object past two keys (a tenth of the usage read); here an
 * object's keys are compared in a small array reused for each nesting level, and only an object
 * with many keys gets a set, so a hostile upstream's wide object stays linear. How deep a value
 * may nest is the parser's limit ({@code server.max_json_depth}), which bounds the recursion.
 * One per read: it is not thread-safe.
 */
final class UniqueKeyReader {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** The names of the object open at each nesting level, reused from one object to the next. */
  private final List<Keys> levels = new ArrayList<>();
  private int depth;

  /** Moves the parser past the value at its current token, checking every object's keys. */
  void skip(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      Keys keys = enter();
      while (next(p) == JsonToken.FIELD_NAME) {
        keys.add(p);
        next(p);
        skip(p);
      }
      depth--;
    } else if (t == JsonToken.START_ARRAY) {
      while (next(p) != JsonToken.END_ARRAY) {
        skip(p);
      }
    }
  }

  /** The value at the parser's current token as a tree, as Jackson's {@code readTree} builds it. */
  JsonNode value(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      throw new JsonParseException(p, "no JSON value here");
    }
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        while (next(p) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          next(p);
          if (o.replace(name, value(p)) != null) {
            throw duplicate(p, name);
          }
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        while (next(p) != JsonToken.END_ARRAY) {
          a.add(value(p));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new JsonParseException(p, "not a JSON value: " + t);
    }
  }

  /** The next token; the parser reports a body cut short, and this makes sure nothing loops on one. */
  private static JsonToken next(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonParseException(p, "the body ends inside a value");
    }
    return t;
  }

  /** The key set of an object the caller walks itself (its members then skipped or built here). */
  Keys enter() {
    if (depth == levels.size()) {
      levels.add(new Keys());
    }
    Keys keys = levels.get(depth++);
    keys.clear();
    return keys;
  }

  private static JsonParseException duplicate(JsonParser p, String name) {
    return new JsonParseException(p, "Duplicate field '" + name + "'");
  }

  /** One object's keys: compared in place while few (names are the parser's shared instances). */
  static final class Keys {
    private static final int SMALL = 16;
    private final String[] small = new String[SMALL];
    private int count;
    private HashSet<String> many;

    void clear() {
      count = 0;
      many = null;
    }

    /** Adds the parser's current field name; throws when the object had it already. */
    void add(JsonParser p) throws IOException {
      String name = p.currentName();
      if (many == null) {
        for (int i = 0; i < count; i++) {
          String seen = small[i];
          if (seen == name || seen.equals(name)) {
            throw duplicate(p, name);
          }
        }
        if (count < SMALL) {
          small[count++] = name;
          return;
        }
        many = new HashSet<>(List.of(small));
      }
      if (!many.add(name)) {
        throw duplicate(p, name);
      }
    }
  }
}

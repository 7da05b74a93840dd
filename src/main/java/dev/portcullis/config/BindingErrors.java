package dev.portcullis.config;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Turns a binding failure into "field: expected a whole number, got "abc"": the words a user
 * writing YAML understands, instead of Jackson's (which name Java types and internal classes).
 * Used for the gateway config and the policy file alike.
 */
public final class BindingErrors {
  private BindingErrors() {}

  /** One problem line for {@code e}, reading the offending value from {@code tree}. */
  public static String describe(JsonMappingException e, JsonNode tree) {
    String field = path(e);
    if (e instanceof InvalidTypeIdException t && t.getBaseType() != null) {
      return typeId(field, t);
    }
    if (e instanceof UnrecognizedPropertyException u) {
      String variant = variant(u.getReferringClass());
      return field + ": unknown field (expected one of " + u.getKnownPropertyIds() + ")"
          + (variant == null ? "" : " for type " + variant);
    }
    if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
      return field + ": " + e.getCause().getMessage();
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      Class<?> type = m.getTargetType();
      return field + ": expected " + expected(type) + ", got " + got(at(tree, e), scalar(type));
    }
    return field + ": " + e.getOriginalMessage();
  }

  /**
   * A missing or unknown {@code type} of a typed union (a sealed config type with one record per
   * type): "…type: required (one of [...])", "…type: unknown provider type 'x' (expected one of [...])".
   */
  private static String typeId(String field, InvalidTypeIdException t) {
    Class<?> union = t.getBaseType().getRawClass();
    JsonSubTypes subtypes = union.getAnnotation(JsonSubTypes.class);
    List<String> valid = subtypes == null ? List.of()
        : Arrays.stream(subtypes.value()).map(JsonSubTypes.Type::name).toList();
    String at = (field.equals("(top level)") ? "" : field + ".") + "type";
    if (t.getTypeId() == null) {
      return at + ": required (one of " + valid + ")";
    }
    String kind;
    try {
      kind = (String) union.getField("KIND").get(null);
    } catch (ReflectiveOperationException | ClassCastException e) {
      kind = "type";
    }
    return at + ": unknown " + kind + " '" + t.getTypeId() + "' (expected one of " + valid + ")";
  }

  /** The {@code type} name of a typed union's record ("stdio"), or null when the class is not one. */
  private static String variant(Class<?> c) {
    if (c == null) {
      return null;
    }
    for (Class<?> union : c.getInterfaces()) {
      JsonSubTypes subtypes = union.getAnnotation(JsonSubTypes.class);
      if (subtypes != null) {
        for (JsonSubTypes.Type t : subtypes.value()) {
          if (t.value() == c) {
            return t.name();
          }
        }
      }
    }
    return null;
  }

  static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        sb.append('[').append(ref.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "(top level)" : sb.toString();
  }

  private static JsonNode at(JsonNode tree, JsonMappingException e) {
    JsonNode n = tree;
    for (JsonMappingException.Reference ref : e.getPath()) {
      n = ref.getFieldName() != null ? n.path(ref.getFieldName()) : n.path(ref.getIndex());
    }
    return n;
  }

  private static String expected(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class
        || type == short.class || type == Short.class) {
      return "a whole number";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a text value";
    }
    if (Collection.class.isAssignableFrom(type) || type.isArray()) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping (key: value lines)";
    }
    return "a " + type.getSimpleName();
  }

  private static boolean scalar(Class<?> type) {
    return type.isPrimitive() || Number.class.isAssignableFrom(type) || type == Boolean.class;
  }

  /**
   * What was written instead. Text is echoed only where a number or true/false belongs: text given
   * where a list or mapping belongs may be a secret (an API key under the wrong field).
   */
  private static String got(JsonNode n, boolean echoText) {
    if (n == null || n.isMissingNode()) {
      return "something else";
    }
    if (n.isTextual()) {
      String t = n.textValue();
      return !echoText ? "a text value" : "\"" + (t.length() > 40 ? t.substring(0, 40) + "..." : t) + "\"";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isNull()) {
      return "nothing (null)";
    }
    return n.toString();
  }
}

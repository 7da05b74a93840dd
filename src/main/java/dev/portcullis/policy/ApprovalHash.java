package dev.portcullis.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an approval is bound to: SHA-256 of the action and the canonical JSON (keys sorted,
 * numbers normalised) of what the call sends, so that an approval given for one request cannot
 * be used for another. One definition for tool calls and model calls.
 */
public final class ApprovalHash {
  private ApprovalHash() {}

  public static String of(String action, JsonNode what) {
    StringBuilder b = new StringBuilder(action).append('\u0000');
    canonical(what, b);
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(b.toString().getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void canonical(JsonNode n, StringBuilder b) {
    if (n.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        sorted.put(f.getKey(), f.getValue());
      }
      b.append('{');
      sorted.forEach((k, v) -> {
        b.append(JsonNodeFactory.instance.textNode(k)).append(':');
        canonical(v, b);
        b.append(',');
      });
      b.append('}');
    } else if (n.isArray()) {
      b.append('[');
      n.forEach(v -> {
        canonical(v, b);
        b.append(',');
      });
      b.append(']');
    } else if (n.isNumber()) {
      b.append(n.decimalValue().stripTrailingZeros().toPlainString());
    } else {
      b.append(n.isMissingNode() ? "null" : n.toString());
    }
  }
}

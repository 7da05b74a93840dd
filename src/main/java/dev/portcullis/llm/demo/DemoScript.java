package dev.portcullis.llm.demo;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo model's scripted mode: a user message saying {@code call NAME with {JSON}} (several
 * such phrases make parallel calls; {@code {}} for no arguments) makes the demo model call exactly
 * those tools, so agent loops run deterministically without a real model. The phrase may stand
 * anywhere in the message (agents put their own text around it); without its JSON object it is
 * plain text ("please call John" is no script).
 */
final class DemoScript {
  private static final Pattern CALL = Pattern.compile("\\bcall\\s+([A-Za-z0-9_.:-]{1,128})\\s+with\\s+(?=\\{)");
  private static final int MAX_CALLS = 16;

  /** One scripted tool call. */
  record Call(String name, ObjectNode arguments) {}

  private DemoScript() {}

  /** The calls the text asks for, in order; none when it has no such phrase. */
  static List<Call> calls(ObjectMapper json, String text) {
    List<Call> out = new ArrayList<>();
    Matcher m = CALL.matcher(text);
    int from = 0;
    while (out.size() < MAX_CALLS && m.find(from)) {
      String rest = text.substring(m.end());
      try (JsonParser p = json.getFactory().createParser(rest)) {
        JsonNode args = p.readValueAsTree();
        // the next phrase is looked for after the object, so text inside it ("call me") is no call
        from = m.end() + (int) p.currentLocation().getCharOffset();
        if (args instanceof ObjectNode o) {
          out.add(new Call(m.group(1), o));
        }
      } catch (IOException e) {
        from = m.end(); // "call X with {" and no whole JSON object: not a script
      }
    }
    return out;
  }
}

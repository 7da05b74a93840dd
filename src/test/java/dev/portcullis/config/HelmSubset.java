package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the small subset of Helm's template language our chart keeps to ({@code .Release.Name},
 * {@code .Chart.Name}, {@code .Chart.AppVersion}, {@code .Values.a.b}, {@code | quote},
 * {@code toYaml .Values.x | nindent N}, and {@code {{-} trimming), with Helm's meaning, so a test
 * without a helm binary (none is packaged for Debian) can render and parse the chart. Anything
 * else in a template fails the rendering: the chart stays inside what is tested.
 */
final class HelmSubset {
  private static final Pattern ACTION = Pattern.compile("(\\s*)\\{\\{(-?)\\s*(.*?)\\s*(-?)}}");
  private static final Pattern TO_YAML = Pattern.compile("toYaml (\\.Values[.\\w]*) \\| nindent (\\d+)");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private final String release;
  private final JsonNode chart;
  private final JsonNode values;

  HelmSubset(String release, JsonNode chart, JsonNode values) {
    this.release = release;
    this.chart = chart;
    this.values = values;
  }

  String render(String template) throws Exception {
    StringBuilder out = new StringBuilder();
    Matcher m = ACTION.matcher(template);
    int at = 0;
    while (m.find()) {
      out.append(template, at, m.start());
      if (m.group(2).isEmpty()) {
        out.append(m.group(1)); // {{- trims the white space before the action; {{ keeps it
      }
      out.append(evaluate(m.group(3)));
      if (!m.group(4).isEmpty()) {
        throw new IllegalArgumentException("-}} is outside the tested subset: " + m.group());
      }
      at = m.end();
    }
    return out.append(template.substring(at)).toString();
  }

  private String evaluate(String expr) throws Exception {
    Matcher y = TO_YAML.matcher(expr);
    if (y.matches()) {
      String indent = " ".repeat(Integer.parseInt(y.group(2)));
      String yaml = YAML.writeValueAsString(lookup(y.group(1))).stripTrailing();
      return "\n" + indent + yaml.replace("\n", "\n" + indent);
    }
    boolean quote = expr.endsWith(" | quote");
    String path = quote ? expr.substring(0, expr.length() - " | quote".length()) : expr;
    JsonNode v = lookup(path);
    if (!v.isValueNode()) {
      throw new IllegalArgumentException(path + " is not a scalar");
    }
    return quote ? "\"" + v.asText().replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : v.asText();
  }

  private JsonNode lookup(String path) {
    if (path.equals(".Release.Name")) {
      return YAML.getNodeFactory().textNode(release);
    }
    JsonNode root;
    String rest;
    if (path.startsWith(".Values.")) {
      root = values;
      rest = path.substring(".Values.".length());
    } else if (path.startsWith(".Chart.")) {
      root = chart;
      String field = path.substring(".Chart.".length());
      rest = Character.toLowerCase(field.charAt(0)) + field.substring(1);
    } else {
      throw new IllegalArgumentException("outside the tested subset: " + path);
    }
    JsonNode v = root;
    for (String part : rest.split("\\.")) {
      v = v.path(part);
    }
    if (v.isMissingNode()) {
      throw new IllegalArgumentException("no value at " + path);
    }
    return v;
  }
}

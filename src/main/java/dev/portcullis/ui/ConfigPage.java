package dev.portcullis.ui;

import static dev.portcullis.ui.Html.esc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.portcullis.config.GatewayConfig;
import dev.portcullis.config.PersonaConfig;
import dev.portcullis.policy.PolicyEngine;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The configuration in force: the outcome of the last reload, the personas and policy rules as
 * the gateway read them, and the whole running configuration with its secrets masked.
 */
final class ConfigPage implements Console.Page {
  private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build();

  /** What the console reads of the running gateway; each supplier answers the snapshot in force now. */
  record Sources(Supplier<GatewayConfig> config, Supplier<PolicyEngine> policy, Supplier<JsonNode> lastReload) {}

  private final Sources sources;

  ConfigPage(Sources sources) {
    this.sources = sources;
  }

  @Override
  public void mount(Router router) {
    router.get(Console.BASE + "/config").handler(this::show);
  }

  private void show(RoutingContext ctx) {
    GatewayConfig config = sources.config().get();
    PolicyEngine policy = sources.policy().get();
    JsonNode reload = sources.lastReload().get();
    String body = "<h1>Configuration</h1>" + reload(reload) + personas(config.personas())
        + policy(policy == null ? null : policy.inForce(), config.policy().file())
        + "<h2>Running configuration</h2><p class=\"muted\">As in force now, defaults filled in; secrets masked as "
        + MaskedConfig.MASK + ".</p><pre class=\"card config\" id=\"running-config\">" + esc(yaml(MaskedConfig.of(config)))
        + "</pre>";
    Replies.html(ctx, 200, Layout.page("Configuration", Layout.Nav.CONFIG, Console.sessionOf(ctx), body));
  }

  private static String reload(JsonNode r) {
    StringBuilder b = new StringBuilder("<h2>Last reload</h2><section class=\"card\" id=\"last-reload\">");
    if (r == null) {
      return b.append("<p class=\"muted\">No reload since the gateway started (or it was not started from a file).</p>")
          .append("</section>").toString();
    }
    boolean applied = "applied".equals(r.path("result").asText());
    b.append("<p><strong class=\"").append(applied ? "ok" : "error").append("\">").append(esc(r.path("result").asText()))
        .append("</strong> at ").append(esc(r.path("at").asText())).append(" (").append(esc(r.path("trigger").asText()))
        .append(")</p>");
    if (r.hasNonNull("reason")) {
      b.append("<p class=\"error\">").append(esc(r.path("reason").asText())).append("</p>");
    }
    list(b, "Changed", r.path("changes"));
    list(b, "Needs a restart", r.path("needs_restart"));
    return b.append("</section>").toString();
  }

  private static void list(StringBuilder b, String title, JsonNode items) {
    if (items.isArray() && !items.isEmpty()) {
      b.append("<p>").append(esc(title)).append(":</p><ul>");
      items.forEach(i -> b.append("<li>").append(esc(i.asText())).append("</li>"));
      b.append("</ul>");
    }
  }

  private static String personas(Map<String, PersonaConfig> personas) {
    StringBuilder b = new StringBuilder("<h2>Personas</h2>");
    if (personas.isEmpty()) {
      return b.append("<p class=\"empty\">No personas.</p>").toString();
    }
    b.append("<div class=\"table-wrap\"><table id=\"personas\"><thead><tr><th>Persona</th><th>Models</th><th>Tools</th>")
        .append("<th>Who</th><th>Limits</th></tr></thead><tbody>");
    personas.forEach((name, p) -> {
      JsonNode v = MaskedConfig.of(p);
      b.append("<tr data-persona=\"").append(esc(name)).append("\"><td data-label=\"Persona\"><strong>").append(esc(name))
          .append("</strong>").append(p.description() == null ? "" : "<br><span class=\"muted\">" + esc(p.description())
              + "</span>").append("</td><td data-label=\"Models\">").append(compact(v.get("models")))
          .append("</td><td data-label=\"Tools\">").append(compact(v.get("tools"))).append("</td><td data-label=\"Who\">")
          .append(compact(v.get("users"))).append(' ').append(compact(v.get("groups"))).append(' ')
          .append(compact(v.get("keys"))).append("</td><td data-label=\"Limits\">").append(compact(v.get("limits")))
          .append("</td></tr>");
    });
    return b.append("</tbody></table></div>").toString();
  }

  private static String policy(PolicyEngine.PolicyFile f, String file) {
    StringBuilder b = new StringBuilder("<h2>Policy rules</h2>");
    if (f == null || file == null) {
      return b.append("<p class=\"empty\">No policy file (policy.file): grants alone decide.</p>").toString();
    }
    b.append("<p class=\"muted\">From <code>").append(esc(file)).append("</code>; when no rule holds: <strong>")
        .append(esc(f.defaultEffect())).append("</strong>. The first rule that holds decides.</p>")
        .append("<div class=\"table-wrap\"><table id=\"policy-rules\"><thead><tr><th>Rule</th><th>When</th>")
        .append("<th>Effect</th><th>Reason</th></tr></thead><tbody>");
    if (f.rules().isEmpty()) {
      b.append("<tr><td colspan=\"4\" class=\"empty\">No rules.</td></tr>");
    }
    for (PolicyEngine.RuleSpec r : f.rules()) {
      b.append("<tr><td data-label=\"Rule\">").append(esc(r.name())).append("</td><td data-label=\"When\"><code>")
          .append(esc(r.when())).append("</code></td><td data-label=\"Effect\">").append(esc(r.effect()))
          .append("</td><td data-label=\"Reason\">").append(esc(r.reason())).append("</td></tr>");
    }
    b.append("</tbody></table></div>");
    if (!f.labels().isEmpty()) {
      b.append("<p>Labels:</p><ul id=\"policy-labels\">");
      f.labels().forEach((label, globs) -> b.append("<li><strong>").append(esc(label)).append("</strong>: ")
          .append(esc(String.join(", ", globs))).append("</li>"));
      b.append("</ul>");
    }
    return b.toString();
  }

  private static String compact(JsonNode v) {
    if (v == null || v.isNull() || v.isEmpty()) {
      return "";
    }
    return "<code>" + esc(v.isArray() && v.size() > 0 && v.get(0).isTextual() ? join(v) : v.toString()) + "</code>";
  }

  private static String join(JsonNode array) {
    StringBuilder b = new StringBuilder();
    array.forEach(x -> b.append(b.length() == 0 ? "" : ", ").append(x.asText()));
    return b.toString();
  }

  private static String yaml(JsonNode tree) {
    try {
      return YAML.writeValueAsString(tree);
    } catch (JsonProcessingException e) {
      return tree.toPrettyString();
    }
  }
}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import io.vertx.core.Vertx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code portcullis mcp import-openapi SPEC --name NAME}: shows the tools and prints a config block. */
@Command(name = "import-openapi", mixinStandardHelpOptions = true,
    description = "Read an OpenAPI 3.x or Swagger 2.0 description (file or URL), list the MCP tools its operations "
        + "become, and print a ready-to-paste mcp.servers block. Nothing is called.")
public final class ImportOpenApiCommand implements Callable<Integer> {
  private static final long FETCH_TIMEOUT_MS = 30_000;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(paramLabel = "SPEC", description = "The description: a file path or an http(s) URL.")
  String spec;

  @Option(names = "--name", required = true, description = "The server key (and tool prefix), e.g. crm.")
  String name;

  @Option(names = "--base-url", description = "Where calls go (default: the description's first server).")
  String baseUrl;

  @Option(names = "--allow-private-addresses",
      description = "Allow fetching the description and its $refs from private or loopback addresses.")
  boolean allowPrivate;

  @Option(names = "--json", description = "Print JSON instead of text: the tools (name, method, path, hint, "
      + "summary, annotations), the parser warnings, and the mcp.servers block as \"config\".")
  boolean json;

  @Spec
  picocli.CommandLine.Model.CommandSpec commandSpec;

  @Override
  public Integer call() {
    PrintWriter out = commandSpec.commandLine().getOut();
    PrintWriter err = commandSpec.commandLine().getErr();
    if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
      err.println("--name: may use only A-Z a-z 0-9 _ . - (at most 64)");
      return 2;
    }
    SpecLoader.Spec loaded;
    Vertx vertx = Vertx.vertx();
    try {
      loaded = SpecLoader.load(spec, SpecLoader.fetcher(vertx, vertx.createHttpClient(),
          new SsrfGuard(new PrivateAccess(allowPrivate, List.of())), FETCH_TIMEOUT_MS));
    } catch (SpecLoader.SpecException e) {
      err.println(spec + ": " + e.getMessage());
      return 1;
    } finally {
      vertx.close();
    }
    List<OperationTool> tools = ToolMapper.map(loaded);
    String base = baseUrl != null ? baseUrl : loaded.firstServer(spec);
    String title = loaded.title().isEmpty() ? spec : loaded.title();
    StringWriter config = new StringWriter();
    printConfig(new PrintWriter(config), tools, base);
    if (json) {
      ObjectNode o = JSON.createObjectNode().put("title", title).put("openapi", loaded.sourceVersion());
      ArrayNode list = o.putArray("tools");
      for (OperationTool t : tools) {
        list.addObject().put("name", name + "__" + t.name()).put("method", t.method()).put("path", t.path())
            .put("hint", hint(t)).put("summary", summary(t)).set("annotations", t.definition().path("annotations"));
      }
      loaded.warnings().forEach(o.putArray("warnings")::add);
      o.put("config", config.toString());
      out.println(o.toPrettyString());
      return 0;
    }
    out.println("# " + title + " (OpenAPI " + loaded.sourceVersion() + "): " + tools.size() + " tools");
    for (OperationTool t : tools) {
      String summary = summary(t);
      out.printf(Locale.ROOT, "#   %-40s %-7s %-40s %-11s %s%n", name + "__" + t.name(), t.method(), t.path(),
          hint(t), summary.length() > 60 ? summary.substring(0, 59) + "…" : summary);
    }
    if (!loaded.warnings().isEmpty()) {
      out.println("# parser warnings: " + loaded.warnings().size() + " (first: " + loaded.warnings().get(0) + ")");
    }
    out.println();
    out.print(config);
    return 0;
  }

  /** What the tool's MCP annotations say it does to the API's data. */
  private static String hint(OperationTool t) {
    JsonNode ann = t.definition().path("annotations");
    return ann.path("readOnlyHint").asBoolean() ? "read-only"
        : ann.path("destructiveHint").asBoolean() ? "destructive" : "writes";
  }

  private static String summary(OperationTool t) {
    return t.description().lines().findFirst().orElse("");
  }

  private void printConfig(PrintWriter out, List<OperationTool> tools, String base) {
    out.println("mcp:");
    out.println("  servers:");
    out.println("    " + name + ":");
    out.println("      type: openapi");
    out.println("      spec: " + quote(absolute(spec)));
    if (base == null || base.isEmpty() || !base.startsWith("http")) {
      out.println("      base_url: https://api.example.com   # TODO: the description names no absolute server");
    } else {
      out.println("      base_url: " + quote(base));
    }
    out.println("      # auth: { type: bearer, token: \"${" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_")
        + "_TOKEN}\" }   # or api_key, basic, oauth_client_credentials");
    out.println("      # include: { tags: [...], methods: [GET], paths: [\"/v1/*\"], operations: [\"get*\"] }");
    out.println("      # exclude: { methods: [DELETE] }");
    out.println("      # tools: { " + (tools.isEmpty() ? "operationId" : tools.get(0).name())
        + ": { name: new_name, description: \"...\" } }");
    out.println("      # allow_private_addresses: false   # true or [10.0.0.0/8] for an internal API");
    out.println("      # timeout_ms: 30000");
    out.println("      # max_response_bytes: 1048576");
    out.flush();
  }

  private static String absolute(String spec) {
    if (spec.startsWith("http://") || spec.startsWith("https://")) {
      return spec;
    }
    return java.nio.file.Path.of(spec.startsWith("file:") ? URI.create(spec).getPath() : spec).toAbsolutePath()
        .normalize().toString();
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.config.OpenApiConfig.PrivateAccess;
import java.io.PrintWriter;
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
  @Parameters(paramLabel = "SPEC", description = "The description: a file path or an http(s) URL.")
  String spec;

  @Option(names = "--name", required = true, description = "The server key (and tool prefix), e.g. crm.")
  String name;

  @Option(names = "--base-url", description = "Where calls go (default: the description's first server).")
  String baseUrl;

  @Option(names = "--allow-private-addresses",
      description = "Allow fetching the description from a private or loopback address.")
  boolean allowPrivate;

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
    try {
      loaded = SpecLoader.load(spec, new SsrfGuard(new PrivateAccess(allowPrivate, List.of())), allowPrivate);
    } catch (SpecLoader.SpecException e) {
      err.println(spec + ": " + e.getMessage());
      return 1;
    }
    List<OperationTool> tools = ToolMapper.map(loaded);
    String base = baseUrl != null ? baseUrl : loaded.firstServer(spec);
    out.println("# " + (loaded.title().isEmpty() ? spec : loaded.title()) + " (OpenAPI " + loaded.sourceVersion()
        + "): " + tools.size() + " tools");
    for (OperationTool t : tools) {
      JsonNode ann = t.definition().path("annotations");
      String hint = ann.path("readOnlyHint").asBoolean() ? "read-only"
          : ann.path("destructiveHint").asBoolean() ? "destructive" : "writes";
      String summary = t.description().lines().findFirst().orElse("");
      out.printf(Locale.ROOT, "#   %-40s %-7s %-40s %-11s %s%n", name + "__" + t.name(), t.method(), t.path(), hint,
          summary.length() > 60 ? summary.substring(0, 59) + "…" : summary);
    }
    if (!loaded.warnings().isEmpty()) {
      out.println("# parser warnings: " + loaded.warnings().size() + " (first: " + loaded.warnings().get(0) + ")");
    }
    out.println();
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
    return 0;
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

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.identity.GuardedFetch;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Reads an OpenAPI 3.0 / 3.1 or Swagger 2.0 description from a file or an http(s) URL with
 * swagger-parser, resolving local and remote {@code $ref}s (Swagger 2 is converted to OpenAPI 3),
 * and hands the result on as a plain JSON tree. Blocking: call it off the event loop.
 */
public final class SpecLoader {
  /** Larger documents are refused (the Star Trek API test document, ≈500 KB, is well within). */
  static final long MAX_FILE_BYTES = 32L * 1024 * 1024;

  /** Redirects followed when fetching a description or a remote reference (each one checked). */
  static final int MAX_REDIRECTS = 5;

  private SpecLoader() {}

  /**
   * How descriptions and their references are fetched for one upstream: http or https, addresses
   * under the upstream's {@code allow_private_addresses}, at most {@link #MAX_REDIRECTS} redirects.
   */
  public static GuardedFetch fetcher(io.vertx.core.Vertx vertx, io.vertx.core.http.HttpClient http, SsrfGuard guard,
      long timeoutMs) {
    return new GuardedFetch(vertx, http, new GuardedFetch.Rules(true, guard, timeoutMs, MAX_FILE_BYTES,
        MAX_REDIRECTS));
  }

  /** A loaded description: the OpenAPI 3 document as JSON, whether it is 3.0-flavoured, warnings. */
  public record Spec(JsonNode document, boolean openapi30, String sourceVersion, List<String> warnings) {
    public String title() {
      return document.path("info").path("title").asText("");
    }

    /** The first (https preferred) server URL, resolved against the spec's own URL when relative. */
    public String firstServer(String location) {
      String url = document.path("servers").path(0).path("url").asText("");
      for (JsonNode server : document.path("servers")) {
        if (server.path("url").asText("").startsWith("https://")) {
          url = server.path("url").asText();
          break;
        }
      }
      if (url.isEmpty() || url.startsWith("http://") || url.startsWith("https://")) {
        return url;
      }
      if (location.startsWith("http://") || location.startsWith("https://")) {
        return URI.create(location).resolve(url).toString();
      }
      return url;
    }
  }

  /** Thrown when a description cannot be loaded; the message says why. */
  public static final class SpecException extends Exception {
    private static final long serialVersionUID = 1L;

    public SpecException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Loads a description. Everything it names is read first by {@link SpecSources}: the document
   * and remote {@code $ref}s through {@code fetch} (addresses and every redirect checked), local
   * references only beside a local description; swagger-parser then parses the local copies and
   * opens nothing itself.
   */
  public static Spec load(String location, GuardedFetch fetch) throws SpecException {
    String loc = location.trim();
    String lower = loc.toLowerCase(Locale.ROOT);
    URI root;
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      try {
        root = new URI(loc);
      } catch (java.net.URISyntaxException e) {
        throw new SpecException("not a valid URL: " + loc);
      }
    } else {
      Path p;
      try {
        p = Path.of(lower.startsWith("file:") ? URI.create(loc).getPath() : loc);
      } catch (IllegalArgumentException e) {
        throw new SpecException("not a valid file location: " + loc);
      }
      if (!Files.isRegularFile(p)) {
        throw new SpecException("file not found: " + loc);
      }
      root = p.toAbsolutePath().normalize().toUri();
    }
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setResolveFully(false); // $refs are inlined later, with cycle and size limits
    SwaggerParseResult result;
    try (SpecSources sources = SpecSources.gather(root, fetch, MAX_FILE_BYTES)) {
      try {
        result = new OpenAPIParser().readLocation(sources.rootFile().toString(), null, options);
      } catch (RuntimeException e) {
        throw new SpecException("cannot parse " + location + ": " + e.getMessage());
      }
      if (result != null && result.getMessages() != null) {
        String work = sources.directory().toString();
        result.setMessages(result.getMessages().stream().filter(m -> m != null).map(m -> m.replace(work, ""))
            .toList());
      }
    }
    OpenAPI api = result == null ? null : result.getOpenAPI();
    List<String> messages = result == null || result.getMessages() == null ? List.of()
        : result.getMessages().stream().filter(m -> m != null).toList();
    if (api == null || api.getPaths() == null && api.getWebhooks() == null) {
      throw new SpecException("not an OpenAPI 3.x or Swagger 2.0 description: " + location
          + (messages.isEmpty() ? "" : " (" + String.join("; ", messages.subList(0, Math.min(3, messages.size()))) + ")"));
    }
    boolean v31 = api.getSpecVersion() == SpecVersion.V31;
    ObjectMapper mapper = v31 ? Json31.mapper() : Json.mapper();
    JsonNode tree = mapper.valueToTree(api);
    String source = api.getOpenapi() == null ? "?" : api.getOpenapi();
    return new Spec(tree, !v31, source, messages);
  }
}

package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

  private SpecLoader() {}

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
   * Loads a description. Remote locations (the document itself and remote {@code $ref}s) go
   * through the SSRF guard: the document's host is checked here, and swagger-parser's safe URL
   * resolver refuses private addresses in remote references unless the guard allows them.
   */
  public static Spec load(String location, SsrfGuard guard, boolean allowPrivateRefs) throws SpecException {
    String loc = location.trim();
    boolean remote = loc.toLowerCase(Locale.ROOT).startsWith("http://")
        || loc.toLowerCase(Locale.ROOT).startsWith("https://");
    if (remote) {
      URI u;
      try {
        u = URI.create(loc);
      } catch (IllegalArgumentException e) {
        throw new SpecException("not a valid URL: " + loc);
      }
      try {
        guard.resolve(u.getHost());
      } catch (SsrfGuard.Refused e) {
        throw new SpecException(e.getMessage());
      }
    } else {
      Path p = Path.of(loc.startsWith("file:") ? URI.create(loc).getPath() : loc);
      try {
        if (!Files.isRegularFile(p)) {
          throw new SpecException("file not found: " + loc);
        }
        if (Files.size(p) > MAX_FILE_BYTES) {
          throw new SpecException("file larger than " + MAX_FILE_BYTES + " bytes: " + loc);
        }
      } catch (java.io.IOException e) {
        throw new SpecException("cannot read " + loc + ": " + e.getMessage());
      }
      loc = p.toAbsolutePath().toString();
    }
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setResolveFully(false); // $refs are inlined later, with cycle and size limits
    // remote references of a remote description may not point at private addresses (the
    // parser's own safe resolver checks them); a local file is the administrator's own
    options.setSafelyResolveURL(remote && !allowPrivateRefs);
    SwaggerParseResult result;
    try {
      result = new OpenAPIParser().readLocation(loc, null, options);
    } catch (RuntimeException e) {
      throw new SpecException("cannot parse " + location + ": " + e.getMessage());
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

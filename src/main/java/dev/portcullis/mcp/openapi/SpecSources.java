package dev.portcullis.mcp.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.portcullis.identity.GuardedFetch;
import dev.portcullis.mcp.openapi.SpecLoader.SpecException;
import io.swagger.v3.parser.models.RefFormat;
import io.swagger.v3.parser.util.RefUtils;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Gathers a description and every document its {@code $ref}s name, so that swagger-parser, which
 * would otherwise open URLs itself (unchecked, following redirects anywhere), never fetches
 * anything: remote documents come through the {@link GuardedFetch} (addresses checked, each
 * redirect checked again, size capped), local files only from the description's own directory
 * and only for a local description, and any other scheme ({@code file:} from a remote document,
 * {@code jar:}, {@code ftp:}, {@code classpath:}) is refused. One refused reference refuses the
 * whole description, naming the reference and why, so nothing fetched from a forbidden place can
 * end up in a tool list.
 *
 * <p>The documents are written to a private temporary directory, one sub-directory each (so a
 * file keeps its name, from which swagger-parser names components), with every external
 * reference rewritten to the local copy.
 */
final class SpecSources implements AutoCloseable {
  /** More documents than this in one description is refused. */
  static final int MAX_DOCUMENTS = 200;
  private static final String REF = "$ref";

  private final GuardedFetch fetch;
  private final long maxBytes;
  private final ObjectMapper yaml;
  private final Path dir;
  private final Path localRoot;
  private final Map<URI, Document> documents = new LinkedHashMap<>();
  private final Deque<Document> pending = new ArrayDeque<>();
  private long bytes;

  private record Document(URI uri, String folder, String file, JsonNode tree) {
    String path() {
      return folder + "/" + file;
    }
  }

  /**
   * @param fetch how remote documents are fetched
   * @param maxBytes the cap on all documents together
   * @param localRoot the directory local references must stay in (a local description's own), or
   *     null for a remote description (which may reference no local file)
   */
  private SpecSources(GuardedFetch fetch, long maxBytes, Path localRoot) throws IOException {
    this.fetch = fetch;
    this.maxBytes = maxBytes;
    this.localRoot = localRoot;
    LoaderOptions limits = new LoaderOptions();
    limits.setCodePointLimit((int) Math.min(Integer.MAX_VALUE, maxBytes));
    this.yaml = new ObjectMapper(YAMLFactory.builder().loaderOptions(limits).build());
    this.dir = Files.createTempDirectory("portcullis-openapi-");
  }

  /**
   * Gathers the description at {@code root} (an absolute file or http(s) URI) and everything it
   * references; {@link #rootFile()} is then the local copy to parse.
   */
  static SpecSources gather(URI root, GuardedFetch fetch, long maxBytes) throws SpecException {
    boolean local = "file".equals(root.getScheme());
    SpecSources s;
    try {
      s = new SpecSources(fetch, maxBytes, local ? Path.of(root).getParent() : null);
    } catch (IOException e) {
      throw new SpecException("cannot prepare a working directory: " + e.getMessage());
    }
    try {
      s.add(root, null);
      while (!s.pending.isEmpty()) {
        s.rewrite(s.pending.poll());
      }
      s.write();
      return s;
    } catch (SpecException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** The local copy of the description itself. */
  Path rootFile() {
    return dir.resolve(documents.values().iterator().next().path());
  }

  /** The working directory, to keep out of messages shown to people. */
  Path directory() {
    return dir;
  }

  /** The document at {@code uri} (fragment-less), read and queued once; its relative path. */
  private Document add(URI uri, String referrer) throws SpecException {
    Document known = documents.get(uri);
    if (known != null) {
      return known;
    }
    if (documents.size() >= MAX_DOCUMENTS) {
      throw new SpecException("more than " + MAX_DOCUMENTS + " documents referenced");
    }
    String content = read(uri, referrer);
    bytes += content.length();
    if (bytes > maxBytes) {
      throw new SpecException("the description and its references are larger than " + maxBytes + " bytes");
    }
    JsonNode tree;
    try {
      tree = yaml.readTree(content);
    } catch (IOException e) {
      throw new SpecException("cannot parse " + uri + ": " + firstLine(e.getMessage()));
    }
    if (tree == null || !tree.isContainerNode()) {
      if (referrer == null) {
        throw new SpecException("not an OpenAPI 3.x or Swagger 2.0 description: " + uri);
      }
      throw new SpecException("cannot parse " + uri + " (referenced from " + referrer + "): not a JSON or YAML"
          + " document");
    }
    Document d = new Document(uri, "d" + documents.size(), fileName(uri), tree);
    documents.put(uri, d);
    pending.add(d);
    return d;
  }

  private String read(URI uri, String referrer) throws SpecException {
    String from = referrer == null ? "" : " (referenced from " + referrer + ")";
    if ("file".equals(uri.getScheme())) {
      Path p = Path.of(uri).normalize();
      String outside = "reference to " + uri + " in " + referrer + " refused: a description may reference local"
          + " files only in its own directory";
      if (referrer != null && (localRoot == null || !p.startsWith(localRoot))) {
        throw new SpecException(outside);
      }
      try {
        Path real = p.toRealPath();
        if (referrer != null && !real.startsWith(localRoot.toRealPath())) { // a link out of the directory
          throw new SpecException(outside);
        }
        if (Files.size(real) > maxBytes) {
          throw new SpecException("file larger than " + maxBytes + " bytes: " + uri);
        }
        return Files.readString(real);
      } catch (IOException e) {
        throw new SpecException("cannot read " + p + from + ": " + e.getMessage());
      }
    }
    try {
      return fetch.get(uri, "application/json, application/yaml, text/yaml, */*").text();
    } catch (IOException e) {
      throw new SpecException(e.getMessage() + from);
    }
  }

  /** Rewrites the document's external references to the local copies, gathering those first. */
  private void rewrite(Document d) throws SpecException {
    Deque<JsonNode> stack = new ArrayDeque<>();
    stack.push(d.tree());
    while (!stack.isEmpty()) {
      JsonNode n = stack.pop();
      if (n instanceof ObjectNode o && o.get(REF) != null && o.get(REF).isTextual()) {
        String local = localRef(d, o.get(REF).asText());
        if (local != null) {
          o.put(REF, local);
        }
      }
      n.forEach(child -> {
        if (child.isContainerNode()) {
          stack.push(child);
        }
      });
    }
  }

  /** The rewritten reference, or null when it points inside its own document. */
  private String localRef(Document from, String ref) throws SpecException {
    int hash = ref.indexOf('#');
    String target = hash < 0 ? ref : ref.substring(0, hash);
    if (target.isEmpty()) {
      return null;
    }
    URI relative;
    try {
      relative = new URI(target);
    } catch (URISyntaxException e) {
      throw new SpecException("reference '" + ref + "' in " + from.uri() + " is not a valid URI");
    }
    // swagger-parser reads a bare name ("Pet") as a component of the same document
    if (relative.getScheme() == null && RefUtils.computeRefFormat(ref) == RefFormat.INTERNAL) {
      return null;
    }
    URI resolved;
    try {
      resolved = from.uri().resolve(relative);
    } catch (IllegalArgumentException e) {
      throw new SpecException("reference '" + ref + "' in " + from.uri() + " is not a valid URI");
    }
    String scheme = resolved.getScheme() == null ? "" : resolved.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("file") && !"file".equals(from.uri().getScheme())) {
      throw new SpecException("reference to " + resolved + " in " + from.uri() + " refused: a remote document may"
          + " not reference local files");
    }
    if (!scheme.equals("file") && !scheme.equals("http") && !scheme.equals("https")) {
      throw new SpecException("reference to " + resolved + " in " + from.uri() + " refused: only http and https"
          + " references are followed");
    }
    Document to = add(resolved, from.uri().toString());
    return "../" + to.path() + (hash < 0 ? "" : ref.substring(hash));
  }

  private void write() throws SpecException {
    ObjectMapper json = new ObjectMapper();
    for (Document d : documents.values()) {
      try {
        Path folder = Files.createDirectory(dir.resolve(d.folder()));
        json.writeValue(folder.resolve(d.file()).toFile(), d.tree());
      } catch (IOException e) {
        throw new SpecException("cannot write a working copy: " + e.getMessage());
      }
    }
  }

  /** The document's own file name (swagger-parser names components after it), as .json. */
  private static String fileName(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    name = (dot > 0 ? name.substring(0, dot) : name).replaceAll("[^A-Za-z0-9_.-]", "_");
    return (name.isEmpty() || name.startsWith(".") ? "document" : name) + ".json";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  @Override
  public void close() {
    List<Path> all = new ArrayList<>();
    try (var walk = Files.walk(dir)) {
      walk.forEach(all::add);
    } catch (IOException e) {
      return;
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        Files.deleteIfExists(all.get(i));
      } catch (IOException e) {
        // a leftover file in the temporary directory is harmless; the OS cleans it up
      }
    }
  }
}

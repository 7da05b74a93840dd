package dev.portcullis.config;

import dev.portcullis.identity.InternalAddresses;
import dev.portcullis.policy.PolicyEngine;
import java.io.File;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks what the configuration points at, as the gateway would meet it at start: the policy file
 * parses and its CEL rules compile, referenced files exist (or their directory can take them),
 * stdio commands can be run.
 * {@code config check} and {@code serve} both run it (through {@link ConfigLoader}), so a config
 * that passes the check does not fail at start for these reasons. Paths are already absolute
 * ({@link ConfigPaths}). Nothing is created, fetched or started.
 */
final class ReferencesValidator {
  /** An IPv4 or IPv6 literal, which the SSRF classifier can judge without a DNS lookup. */
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9a-fA-F.]*:[0-9a-fA-F:.]*]?");

  private ReferencesValidator() {}

  static void validate(GatewayConfig c, List<String> problems) {
    if (c.policy().file() != null) {
      try {
        PolicyEngine.checkFile(Path.of(c.policy().file()));
      } catch (PolicyEngine.PolicyException e) {
        problems.add("policy.file: " + e.getMessage());
      }
    }
    if (c.store() != null && c.store().url() != null && c.store().url().startsWith(ConfigPaths.SQLITE_PREFIX)) {
      String file = c.store().url().substring(ConfigPaths.SQLITE_PREFIX.length()).split("\\?", 2)[0];
      if (!file.isEmpty() && !file.startsWith(":memory:") && !file.startsWith(ConfigPaths.FILE_PREFIX)) {
        writable("store.url", Path.of(file), problems);
      }
    }
    if (c.mcp().pinsFile() != null) {
      writable("mcp.pins_file", Path.of(c.mcp().pinsFile()), problems);
    }
    AuditConfig a = c.audit();
    if (a.file() != null && a.file().path() != null) {
      writable("audit.file.path", Path.of(a.file().path()), problems);
    }
    for (int i = 0; i < a.previousChainKeys().size(); i++) {
      existingRef("audit.previous_chain_keys[" + i + "]", a.previousChainKeys().get(i), problems);
    }
    for (int i = 0; i < a.checkpoints().previousPublicKeys().size(); i++) {
      existingRef("audit.checkpoints.previous_public_keys[" + i + "]", a.checkpoints().previousPublicKeys().get(i),
          problems);
    }
    // audit.chain_key and signing_key files may be missing: the gateway creates them on a new trail
    for (Map.Entry<String, McpServerConfig> e : c.mcp().servers().entrySet()) {
      server("mcp.servers." + e.getKey(), e.getValue(), problems);
    }
  }

  private static void server(String f, McpServerConfig s, List<String> problems) {
    if (s instanceof McpServerConfig.Stdio stdio) {
      if (stdio.cwd() != null && !Files.isDirectory(Path.of(stdio.cwd()))) {
        problems.add(f + ".cwd: no such directory: " + stdio.cwd());
      } // an unrunnable command is a warning (ConfigWarnings): everything else is served
    }
    if (s instanceof McpServerConfig.OpenApi openapi) {
      String spec = openapi.spec().trim();
      String lower = spec.toLowerCase(Locale.ROOT);
      if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
        Path p = Path.of(lower.startsWith(ConfigPaths.FILE_PREFIX) ? URI.create(spec).getPath() : spec);
        if (!Files.isRegularFile(p)) {
          problems.add(f + ".spec: file not found: " + p);
        } else if (!Files.isReadable(p)) {
          problems.add(f + ".spec: cannot read " + p + " (permissions)");
        }
      }
    }
    if (s.auth() != null && "static".equals(s.auth().type()) && s.auth().value() != null) {
      existingRef(f + ".auth.value", s.auth().value(), problems);
    }
  }

  /**
   * Why a stdio server's command cannot be run, or null. A command with a slash is a file
   * (already absolute); a bare name is looked up on PATH like a shell does. A warning, not an
   * error: the gateway serves everything else, and that server's calls fail as unavailable
   * (-32010) until it can be started, as they would if it crashed.
   */
  static String unrunnable(McpServerConfig.Stdio s) {
    String command = s.command();
    if (command.contains("/")) {
      Path p = Path.of(command);
      if (!Files.isRegularFile(p)) {
        return "no such file: " + command;
      } else if (!Files.isExecutable(p)) {
        return "not executable: " + command + " (chmod +x?)";
      }
      return null;
    }
    String path = s.env().getOrDefault("PATH", System.getenv("PATH"));
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        Path p = Path.of(dir.isEmpty() ? "." : dir).resolve(command);
        if (Files.isRegularFile(p) && Files.isExecutable(p)) {
          return null;
        }
      }
    }
    return "'" + command + "' is not an executable on PATH (install it, or give its absolute path)";
  }

  /**
   * Why the SSRF guard will refuse every call to this openapi server's {@code base_url}, or null.
   * Only what needs no DNS lookup is judged (IP literals and localhost): host names are resolved,
   * and judged, when calls are made; with a list of allowed blocks the runtime guard decides.
   * A warning, not an error: the gateway serves everything else, and that server's calls fail.
   */
  static String refusedBaseUrl(McpServerConfig.OpenApi s) {
    if (s.baseUrl() == null || s.allowPrivateAddresses().all() || !s.allowPrivateAddresses().networks().isEmpty()) {
      return null;
    }
    String host = URI.create(s.baseUrl()).getHost();
    if (host == null) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    String kind;
    if (h.equals("localhost") || h.endsWith(".localhost")) {
      kind = "a loopback address";
    } else if (IP_LITERAL.matcher(h).matches()) {
      try {
        kind = InternalAddresses.kind(InetAddress.getByName(h.startsWith("[") ? h.substring(1, h.length() - 1) : h));
      } catch (UnknownHostException e) {
        return null; // not a literal after all; the URL check reports malformed hosts
      }
    } else {
      return null;
    }
    return kind == null ? null : "'" + host + "' is " + kind + ", which the gateway refuses to call (SSRF "
        + "protection): every call of this server will fail; set allow_private_addresses: true or a list of CIDR "
        + "blocks if this API is really there";
  }

  /** A {@code file:PATH} reference that must exist when the gateway starts. */
  private static void existingRef(String f, String ref, List<String> problems) {
    if (!ref.startsWith(ConfigPaths.FILE_PREFIX)) {
      return;
    }
    Path p = Path.of(ref.substring(ConfigPaths.FILE_PREFIX.length()));
    if (!Files.isRegularFile(p)) {
      problems.add(f + ": file not found: " + p);
    } else if (!Files.isReadable(p)) {
      problems.add(f + ": cannot read " + p + " (permissions)");
    }
  }

  /** A file the gateway writes: it exists and is writable, or the nearest existing directory above it is. */
  private static void writable(String f, Path file, List<String> problems) {
    if (Files.exists(file)) {
      if (Files.isDirectory(file)) {
        problems.add(f + ": " + file + " is a directory, not a file");
      } else if (!Files.isWritable(file)) {
        problems.add(f + ": cannot write " + file + " (permissions)");
      }
      return;
    }
    Path dir = file.getParent();
    while (dir != null && !Files.exists(dir)) {
      dir = dir.getParent();
    }
    if (dir == null || !Files.isDirectory(dir)) {
      problems.add(f + ": cannot create " + file + " (" + dir + " is not a directory)");
    } else if (!Files.isWritable(dir)) {
      problems.add(f + ": cannot create " + file + " (no permission to write in " + dir + ")");
    }
  }
}
